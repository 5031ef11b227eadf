// api::read_http_request: the listener's framing and URL rules without sockets (the same code
// the fuzz target fuzz_http_request runs).
#include "api/http_request_reader.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using State = api::RequestRead::State;

api::RequestRead read(const std::string& bytes, api::HttpLimits limits = {}) {
    return api::read_http_request(bytes, limits, "127.0.0.1:40000");
}

TEST(HttpRequestReader, WaitsForTheWholeHeadAndBody) {
    EXPECT_EQ(read("GET / HTTP/1.1\r\nHost: x\r\n").state, State::Incomplete);
    const std::string post =
        "POST /api/v1/gateways HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\n\r\n{}";
    EXPECT_EQ(read(post).state, State::Incomplete);
    const auto r = read(post + "  GET");
    ASSERT_EQ(r.state, State::Ready);
    EXPECT_EQ(r.size, post.size() + 2);
    EXPECT_EQ(r.request.body, "{}  ");
    EXPECT_EQ(r.request.method, "POST");
    EXPECT_EQ(r.request.header("host"), "127.0.0.1");
    EXPECT_TRUE(r.keep_alive);
    EXPECT_FALSE(r.answer.has_value());
}

TEST(HttpRequestReader, DecodesThePathAndQuery) {
    const auto r = read("GET /sipmediagw?room=12%2034&from=a+b HTTP/1.0\r\nHost: h\r\n\r\n");
    ASSERT_EQ(r.state, State::Ready);
    EXPECT_EQ(r.request.path, "/sipmediagw");
    EXPECT_EQ(r.request.param("room"), "12 34");
    EXPECT_EQ(r.request.param("from"), "a b");
    EXPECT_FALSE(r.keep_alive);  // HTTP/1.0
}

TEST(HttpRequestReader, RefusesWhatTheListenerRefuses) {
    api::HttpLimits limits;
    limits.max_head_bytes = 64;
    limits.max_body_bytes = 8;
    EXPECT_EQ(read(std::string(100, 'G'), limits).status, 431);
    EXPECT_EQ(read("POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\n", limits).status, 413);
    EXPECT_EQ(read("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").status, 400);
    EXPECT_EQ(read("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").status, 411);
    EXPECT_EQ(read("\x01\x02\r\n\r\n").state, State::Fatal);
}

TEST(HttpRequestReader, AnswersABadUrlAndKeepsTheConnection) {
    for (const char* target : {"/a%zz", "/a%0a", "/%ff", "/x?a=%c3"}) {
        const auto r = read(std::string("GET ") + target + " HTTP/1.1\r\nHost: h\r\n\r\n");
        ASSERT_EQ(r.state, State::Ready) << target;
        ASSERT_TRUE(r.answer.has_value()) << target;
        EXPECT_EQ(r.answer->status, 400) << target;
        EXPECT_TRUE(r.keep_alive);
    }
}

}  // namespace
