// The few Kubernetes protobuf bodies clients send to us. Helm stores releases in Secrets through
// client-go's typed clientset, which writes `application/vnd.kubernetes.protobuf`; responses
// stay JSON (client-go decodes by the response's Content-Type).
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "common/result.h"

namespace mdo::testserver {

// Decodes a `k8s\0`-enveloped runtime.Unknown holding a v1 Secret or ConfigMap into its JSON
// form. Other kinds are an error (the caller answers 415).
Result<nlohmann::json> DecodeKubernetesProtobuf(std::string_view body);

}  // namespace mdo::testserver
