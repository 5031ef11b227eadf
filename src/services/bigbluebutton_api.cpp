#include "services/bigbluebutton_api.hpp"

#include "services/url.hpp"

#include <openssl/evp.h>

#include <array>

namespace services::bbb {

namespace {

const EVP_MD* digest_by_name(std::string_view algorithm) {
    if (algorithm == "sha1") return EVP_sha1();
    if (algorithm == "sha256") return EVP_sha256();
    if (algorithm == "sha384") return EVP_sha384();
    if (algorithm == "sha512") return EVP_sha512();
    return nullptr;
}

// The text of the first <tag>…</tag>; BBB's answers are flat and never nest a tag in itself,
// so no XML parser is needed.
std::string element(std::string_view xml, std::string_view tag) {
    const std::string open = "<" + std::string(tag) + ">";
    const std::string close = "</" + std::string(tag) + ">";
    const auto start = xml.find(open);
    if (start == std::string_view::npos) return {};
    const auto end = xml.find(close, start + open.size());
    if (end == std::string_view::npos) return {};
    return std::string(xml.substr(start + open.size(), end - start - open.size()));
}

}  // namespace

std::string form_encode(std::string_view in) {
    return percent_encode(in, "-._*", true);
}

std::string digest_hex(std::string_view algorithm, std::string_view data) {
    const EVP_MD* md_type = digest_by_name(algorithm);
    if (md_type == nullptr) return {};
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), md.data(), &len, md_type, nullptr) != 1) return {};
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
        out += hex[md[i] >> 4];
        out += hex[md[i] & 15];
    }
    return out;
}

bool checksum_algorithm_known(std::string_view algorithm) {
    return digest_by_name(algorithm) != nullptr;
}

std::string signed_url(std::string_view api, std::string_view call, std::string_view query,
                       std::string_view secret, std::string_view algorithm) {
    std::string signed_text;
    signed_text.append(call).append(query).append(secret);
    std::string url(api);
    url.append("/").append(call).append("?").append(query);
    if (!query.empty()) url += "&";
    return url + "checksum=" + digest_hex(algorithm, signed_text);
}

core::Result<MeetingInfo> parse_meeting_info(std::string_view xml, std::string_view meeting_id) {
    const std::string code = element(xml, "returncode");
    if (code == "SUCCESS") {
        MeetingInfo info;
        info.internal_id = element(xml, "internalMeetingID");
        info.running = element(xml, "running") == "true";
        return info;
    }
    const std::string id(meeting_id);
    if (code != "FAILED")
        return core::fail("the BigBlueButton API gave no answer about meeting " + id +
                          " (is [service] base_url the API URL?)");
    const std::string key = element(xml, "messageKey");
    if (key == "notFound")
        return core::fail("BigBlueButton meeting " + id + " does not exist (not created yet)", 404);
    if (key == "checksumError")
        return core::fail(
            "the BigBlueButton server refused the checksum: check [service] secret "
            "and [service] checksum (the server's supportedChecksumAlgorithms)",
            500);
    return core::fail("the BigBlueButton server refused meeting " + id + ": " + key + " (" +
                      element(xml, "message") + ")");
}

}  // namespace services::bbb
