// A BigBlueButton API stand-in on the test HTTP server: checks checksums the way bbb-web does
// (the algorithm picked by the checksum's length, over call name + query without checksum +
// secret) and answers getMeetingInfo and join like it.
#pragma once

#include "http_server.hpp"
#include "services/bigbluebutton_api.hpp"

#include <set>
#include <string>

namespace browser_test {

class FakeBigBlueButton {
public:
    FakeBigBlueButton(HttpServer& http, std::string secret, std::set<std::string> meetings)
        : secret_(std::move(secret)), meetings_(std::move(meetings)) {
        http.handle("/bigbluebutton/api/getMeetingInfo",
                    [this](const std::string& target) { return meeting_info(target); });
        http.handle(
            "/bigbluebutton/api/join", [this](const std::string& target) { return join(target); },
            "text/html");
    }

    // What the last checked call carried (for assertions).
    std::string last_query;

private:
    static std::string algorithm_for(size_t length) {
        switch (length) {
            case 40:
                return "sha1";
            case 64:
                return "sha256";
            case 96:
                return "sha384";
            case 128:
                return "sha512";
            default:
                return "";
        }
    }

    // The query without its checksum, or empty when the checksum does not match.
    std::string checked(const std::string& target, const std::string& call) {
        const auto q = target.find('?');
        if (q == std::string::npos) return {};
        std::string query = target.substr(q + 1);
        const auto cs = query.find("checksum=");
        if (cs == std::string::npos) return {};
        auto end = query.find('&', cs);
        const std::string checksum =
            query.substr(cs + 9, end == std::string::npos ? std::string::npos : end - cs - 9);
        query.erase(cs > 0 ? cs - 1 : cs,
                    end == std::string::npos ? std::string::npos : end - cs + (cs > 0 ? 1 : 0));
        const std::string algorithm = algorithm_for(checksum.size());
        if (algorithm.empty() ||
            services::bbb::digest_hex(algorithm, call + query + secret_) != checksum)
            return {};
        last_query = query;
        return query;
    }

    static std::string param(const std::string& query, const std::string& name) {
        size_t at = 0;
        while (at < query.size()) {
            auto end = query.find('&', at);
            if (end == std::string::npos) end = query.size();
            const std::string pair = query.substr(at, end - at);
            if (pair.rfind(name + "=", 0) == 0) return pair.substr(name.size() + 1);
            at = end + 1;
        }
        return {};
    }

    std::string meeting_info(const std::string& target) {
        const std::string query = checked(target, "getMeetingInfo");
        if (query.empty())
            return "<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey>"
                   "<message>Checksums do not match</message></response>";
        const std::string id = param(query, "meetingID");
        if (!meetings_.contains(id))
            return "<response><returncode>FAILED</returncode><messageKey>notFound</messageKey>"
                   "<message>We could not find a meeting with that meeting ID</message></response>";
        return "<response><returncode>SUCCESS</returncode><meetingID>" + id +
               "</meetingID><internalMeetingID>int-" + id +
               "</internalMeetingID><running>true</running></response>";
    }

    // bbb-web answers a good join with a redirect to the client; a page doing the same keeps
    // this server simple.
    std::string join(const std::string& target) {
        const std::string query = checked(target, "join");
        if (query.empty()) return "<!doctype html><p>checksumError</p>";
        return "<!doctype html><script>location.replace('/html5client/join?sessionToken=t&" +
               query + "');</script>";
    }

    std::string secret_;
    std::set<std::string> meetings_;
};

}  // namespace browser_test
