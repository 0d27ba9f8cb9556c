#!/usr/bin/python3
"""Writes the dns_message seed corpus: real responses built with dnslib, each prefixed with the
fuzzer's selector byte (index of the record type asked for, see dns_message_fuzzer.cc)."""
import os
import sys

from dnslib import A, AAAA, CNAME, MX, PTR, QTYPE, RCODE, RR, SOA, TXT, DNSRecord

TYPES = ["A", "NS", "CNAME", "SOA", "PTR", "MX", "TXT", "AAAA"]
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus/dns_message")


def write(name, qname, qtype, build):
    reply = DNSRecord.question(qname, qtype).reply()
    build(reply)
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([TYPES.index(qtype)]) + reply.pack())


soa = SOA("ns1.example.com", "hostmaster.example.com", (1, 3600, 600, 86400, 300))
write("a", "example.com", "A", lambda r: r.add_answer(RR("example.com", QTYPE.A, rdata=A("192.0.2.1"), ttl=300)))
write("aaaa", "example.com", "AAAA", lambda r: r.add_answer(RR("example.com", QTYPE.AAAA, rdata=AAAA("2001:db8::1"), ttl=60)))
write("txt", "example.com", "TXT", lambda r: r.add_answer(
    RR("example.com", QTYPE.TXT, rdata=TXT(["v=spf1 ip4:192.0.2.0/24 ", "include:_spf.example.net -all"]), ttl=300)))
write("mx", "example.com", "MX", lambda r: [r.add_answer(RR("example.com", QTYPE.MX, rdata=MX("mx%d.example.com" % i, i * 10), ttl=300)) for i in (1, 2)])
write("ptr", "1.2.0.192.in-addr.arpa", "PTR", lambda r: r.add_answer(
    RR("1.2.0.192.in-addr.arpa", QTYPE.PTR, rdata=PTR("mail.example.com"), ttl=300)))


def cname_chain(r):
    r.add_answer(RR("www.example.com", QTYPE.CNAME, rdata=CNAME("web.example.net"), ttl=100))
    r.add_answer(RR("web.example.net", QTYPE.A, rdata=A("192.0.2.7"), ttl=50))


write("cname", "www.example.com", "A", cname_chain)


def nxdomain(r):
    r.header.rcode = RCODE.NXDOMAIN
    r.add_auth(RR("example.com", QTYPE.SOA, rdata=soa, ttl=900))


write("nxdomain", "nope.example.com", "TXT", nxdomain)
write("nodata", "example.com", "AAAA", lambda r: r.add_auth(RR("example.com", QTYPE.SOA, rdata=soa, ttl=900)))
