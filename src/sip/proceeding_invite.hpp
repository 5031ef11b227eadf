// An INVITE the gateway has taken but cannot answer yet (it waits for TURN relays, whose
// addresses go into the SDP answer). libre makes a server transaction only in sipsess_accept, so
// until then a CANCEL got 481 and a retransmitted INVITE reached the gateway as a new call. This
// holds the INVITE's server transaction (RFC 3261 17.2.1, Proceeding) in the meantime: a
// retransmission gets our 100 again, and a CANCEL gets 200 (from libre) and the INVITE 487.
#pragma once

#include "core/re_handle.hpp"
#include "core/result.hpp"

#include <functional>
#include <memory>

struct libre_sip;
struct sip_msg;
struct sip_strans;

namespace sip {

class ProceedingInvite {
public:
    // Sends 100 Trying through the new transaction. `on_cancel` runs once the 487 is sent; it may
    // destroy this object.
    static core::Result<std::unique_ptr<ProceedingInvite>> start(struct libre_sip* stack,
                                                                 const struct sip_msg& invite,
                                                                 std::function<void()> on_cancel);
    // Drops the transaction: call it before the INVITE is answered any other way (sipsess_accept
    // or a rejection make their own, and two for one INVITE would share its retransmissions).
    ~ProceedingInvite();
    ProceedingInvite(const ProceedingInvite&) = delete;
    ProceedingInvite& operator=(const ProceedingInvite&) = delete;

    struct Key {  // only start() makes one (the object's address is libre's handler argument)
        explicit Key() = default;
    };
    ProceedingInvite(Key, struct libre_sip* stack, const struct sip_msg& invite,
                     std::function<void()> on_cancel);

private:
    static void on_cancel(void* arg);

    struct libre_sip* stack_;
    core::ReHandle<struct sip_msg> invite_;
    core::ReHandle<struct sip_strans> transaction_;
    std::function<void()> on_cancel_;
};

}  // namespace sip
