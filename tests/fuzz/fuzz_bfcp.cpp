// BFCP from a room over a stream (TCP/BFCP, TCP/TLS/BFCP): sip::BfcpStreamFramer cutting the
// bytes into messages however they arrive, libre's bfcp_msg_decode, and the floor control
// server acting on what decodes (sip::FloorServer: Hello, requests, releases, queries,
// Goodbye, errors) while the gateway takes and gives back the floor for a meeting share.
// Input: chunks of [op][length][bytes]. op 0x80: the meeting starts sharing; 0x40: it stops;
// 0x20: a re-INVITE removes the BFCP line and brings it back; 0x10: the chunk's messages get
// this call's conference and user ids (random per call, a fuzzer would never guess them).
#include "core/control_loop.hpp"
#include "fuzz_support.hpp"
#include "sip/bfcp_framing.hpp"
#include "sip/floor_server.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace {

struct Harness {
    core::LibreRuntime libre;
    std::unique_ptr<sip::FloorServer> server;
    sip::NegotiatedBfcp negotiated;
};

Harness* harness = nullptr;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fuzz::quiet_logs();
    static Harness h;
    auto s = sip::FloorServer::open("127.0.0.1", "fuzz", {});
    if (!s) fuzz::violated("the floor server opens on loopback");
    h.server = std::move(*s);
    sip::LocalMediaPorts ports;
    h.server->describe(ports);
    h.negotiated.transport = sip::BfcpTransport::Tcp;
    h.negotiated.remote_address = "127.0.0.1";
    h.negotiated.remote_port = 9;
    h.negotiated.local_port = ports.bfcp_tcp;
    h.negotiated.conference_id = ports.bfcp_conference_id;
    h.negotiated.user_id = ports.bfcp_user_id;
    h.negotiated.floor_id = 1;
    h.negotiated.content_label = "3";
    harness = &h;
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    sip::FloorServer& server = *harness->server;
    const sip::NegotiatedBfcp& n = harness->negotiated;
    // Each input is a call of its own.
    server.release_for_gateway();
    server.close();
    server.apply(n);

    sip::BfcpStreamFramer framer;
    std::vector<uint8_t> frame;
    size_t i = 0;
    while (i + 2 <= size) {
        const uint8_t op = data[i];
        const size_t len = std::min<size_t>(data[i + 1], size - i - 2);
        const uint8_t* chunk = data + i + 2;
        i += 2 + len;
        if (op & 0x80) server.hold_for_gateway();
        if (op & 0x40) server.release_for_gateway();
        if (op & 0x20) {
            server.apply(std::nullopt);
            fuzz::require(!server.room_holds_floor(), "no BFCP line, no floor for the room");
            server.apply(n);
        }
        framer.append({chunk, len});
        for (;;) {
            const auto st = framer.next(frame);
            if (st == sip::BfcpStreamFramer::Status::NeedMore) break;
            if (st == sip::BfcpStreamFramer::Status::Invalid) {
                fuzz::require(!framer.why().empty(), "a refused stream says why");
                fuzz::require(framer.buffered() == 0, "a refused stream is dropped");
                break;
            }
            fuzz::require(frame.size() >= sip::BfcpStreamFramer::kHeaderSize &&
                              frame.size() <= sip::BfcpStreamFramer::kMaxMessage &&
                              frame.size() == 12 + 4 * ((size_t{frame[2]} << 8) | size_t{frame[3]}),
                          "a frame is one whole message of the size its header says");
            if (op & 0x10) {
                for (int b = 0; b < 4; ++b)
                    frame[4 + b] = static_cast<uint8_t>(n.conference_id >> (24 - 8 * b));
                frame[10] = static_cast<uint8_t>(n.user_id >> 8);
                frame[11] = static_cast<uint8_t>(n.user_id);
            }
            server.receive_stream(frame);
            fuzz::require(!(server.room_holds_floor() && server.gateway_holds_floor()),
                          "one sharer at a time");
        }
    }
    // The server's own framing, fed the raw bytes in one go, must not fall over either.
    server.receive_stream({data, size});
    return 0;
}
