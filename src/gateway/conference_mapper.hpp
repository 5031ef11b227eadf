// The optional conference mapper of the IVR: GET [ivr] mapper_url with {number} replaced, the
// room in the JSON member [ivr] mapper_field. Runs on the control loop (core::HttpFetch), never
// blocking a call.
#pragma once

#include "core/config.hpp"
#include "core/http_fetch.hpp"

#include <functional>
#include <string>

namespace gateway {

struct MapperAnswer {
    std::string room;          // empty: no room for this number
    bool unavailable = false;  // the mapper could not be asked (network, 5xx, bad JSON, timeout)
    std::string detail;        // for the log
};

// Pure part, unit-tested: URL template and answer parsing.
// {number} and {service} (the service the call joins: each may number its rooms its own way).
std::string mapper_request_url(const std::string& url_template, const std::string& number,
                               const std::string& service = {});
MapperAnswer mapper_answer(int status, const std::string& body, const std::string& field);

class ConferenceMapper {
public:
    using Done = std::function<void(const MapperAnswer&)>;
    explicit ConferenceMapper(const core::IvrConfig& config);
    ~ConferenceMapper();
    ConferenceMapper(const ConferenceMapper&) = delete;
    ConferenceMapper& operator=(const ConferenceMapper&) = delete;

    // One lookup at a time; a new one (or destruction) abandons the previous one, whose `done`
    // is then never called.
    void lookup(const std::string& number, const std::string& service, Done done);

private:
    std::string url_template_;
    std::string field_;
    core::HttpFetch fetch_;
};

}  // namespace gateway
