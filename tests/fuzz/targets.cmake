# The fuzz targets, one line each: mdo_fuzz_target(NAME SOURCE LIBRARIES...). Included by the
# libFuzzer build (tests/fuzz/CMakeLists.txt, clang only) and by the corpus replay in the default
# build (tests/fuzz/replay/), each defining mdo_fuzz_target its own way. A source file is relative
# to tests/fuzz/ and the corpus of NAME is tests/fuzz/corpus/NAME/.
mdo_fuzz_target(spf_parser spf_parser_fuzzer.cc mdo_spf)
mdo_fuzz_target(spf_macro spf_macro_fuzzer.cc mdo_spf)
mdo_fuzz_target(dmarc_record dmarc_record_fuzzer.cc mdo_dmarc)
mdo_fuzz_target(dkim_key_record dkim_key_record_fuzzer.cc mdo_dkim)
mdo_fuzz_target(dns_message dns_message_fuzzer.cc mdo_dns)
mdo_fuzz_target(watch_decoder watch_decoder_fuzzer.cc mdo_kube)
mdo_fuzz_target(maildomain_json maildomain_json_fuzzer.cc mdo_api)
mdo_fuzz_target(kubeconfig kubeconfig_fuzzer.cc mdo_kube)
mdo_fuzz_target(schema schema_fuzzer.cc mdo_testserver_core)
