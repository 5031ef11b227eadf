// Shared set-up for the gateway tests: a temp dir per test, and helpers to start the gateway,
// Kamailio and baresip peers in it.
#pragma once

#include "support/baresip_peer.hpp"
#include "support/ephemeral_credentials.hpp"
#include "support/gateway.hpp"
#include "support/kamailio.hpp"
#include "support/sipp.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <regex>
#include <string>

namespace testsupport {

// An unregistered caller (direct dialling only).
inline BaresipOptions plain_peer(const std::string& name, const std::string& user,
                                 const std::string& transport = "udp") {
    BaresipOptions o;
    o.name = name;
    o.user = user;
    o.transport = transport;
    return o;
}

inline SippOptions scenario(const std::string& file, const std::string& target,
                            const std::string& service = {}, const std::string& transport = "u1",
                            std::vector<std::string> extra_args = {}) {
    SippOptions o;
    o.scenario = file;
    o.target = target;
    o.service = service;
    o.transport = transport;
    o.extra_args = std::move(extra_args);
    return o;
}

class GatewayTest : public ::testing::Test {
protected:
    GatewayTest() : dir_(::testing::UnitTest::GetInstance()->current_test_info()->name()) {}

    // Fails the test (fatal) when the gateway does not come up.
    Gateway& start_gateway(GatewayOptions options = {}) {
        auto gw = Gateway::start(dir_.path(), std::move(options));
        if (!gw) {
            ADD_FAILURE() << gw.error().message;
            throw std::runtime_error("gateway did not start");
        }
        gateway_.emplace(std::move(gw.value()));
        return *gateway_;
    }

    Kamailio& start_kamailio(KamailioOptions options = {}) {
        auto k = Kamailio::start(dir_.path(), std::move(options));
        if (!k) {
            ADD_FAILURE() << k.error().message;
            throw std::runtime_error("kamailio did not start");
        }
        kamailio_.emplace(std::move(k.value()));
        return *kamailio_;
    }

    BaresipPeer& start_peer(BaresipOptions options = {}) {
        auto p = BaresipPeer::start(dir_.path(), std::move(options));
        if (!p) {
            ADD_FAILURE() << p.error().message;
            throw std::runtime_error("baresip did not start");
        }
        peers_.push_back(std::move(p.value()));
        return *peers_.back();
    }

    SippRun sipp(SippOptions options) {
        auto r = run_sipp(dir_.path(), options);
        if (!r) {
            ADD_FAILURE() << r.error().message;
            return {};
        }
        return r.value();
    }

    bool has_aor(const std::string& aor) const {
        auto aors = kamailio_->registered_aors();
        return aors && std::find(aors->begin(), aors->end(), aor) != aors->end();
    }

    // The call stays up (polled) for `duration`: fails as soon as baresip reports it gone.
    static bool call_stays_up(BaresipPeer& peer, std::chrono::milliseconds duration) {
        const auto until = std::chrono::steady_clock::now() + duration;
        bool up = true;
        wait_until(
            [&] {
                up = peer.call_is_established();
                return !up || std::chrono::steady_clock::now() >= until;
            },
            duration + std::chrono::seconds(10), std::chrono::milliseconds(250));
        return up;
    }

    // Every gateway must still run at the end (no crash) and exit 0 on SIGTERM. Peers go first so
    // that their calls end normally.
    void TearDown() override {
        peers_.clear();
        if (gateway_ && !gateway_->terminated_by_test()) {
            const bool was_running = gateway_->program().running();
            EXPECT_TRUE(was_running) << "gateway exited during the test, status "
                                     << gateway_->program().exit_status().value_or(-1);
            if (was_running) {
                EXPECT_EQ(gateway_->terminate(), std::optional<int>(0))
                    << "gateway exit code on SIGTERM";
            }
        }
    }

    // Destruction order: peers, then the gateway (so it sees their BYEs), then Kamailio, then
    // the directory (which keeps the logs if the test failed).
    TempDir dir_;
    std::optional<Kamailio> kamailio_;
    std::optional<Gateway> gateway_;
    std::vector<std::unique_ptr<BaresipPeer>> peers_;
};

}  // namespace testsupport
