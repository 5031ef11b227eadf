#include "sip/proceeding_invite.hpp"

#include "core/libre.hpp"

#include <cstring>

namespace sip {

ProceedingInvite::ProceedingInvite(Key, struct libre_sip* stack, const struct sip_msg& invite,
                                   std::function<void()> on_cancel)
    : stack_(stack),
      invite_(static_cast<struct sip_msg*>(mem_ref(const_cast<struct sip_msg*>(&invite)))),
      on_cancel_(std::move(on_cancel)) {}

ProceedingInvite::~ProceedingInvite() = default;

core::Result<std::unique_ptr<ProceedingInvite>> ProceedingInvite::start(
    struct libre_sip* stack, const struct sip_msg& invite, std::function<void()> on_cancel) {
    auto self = std::make_unique<ProceedingInvite>(Key{}, stack, invite, std::move(on_cancel));
    struct sip_strans* st = nullptr;
    int err = sip_strans_alloc(&st, stack, &invite, &ProceedingInvite::on_cancel, self.get());
    if (err != 0)
        return core::fail(std::string("sip: cannot hold the INVITE: ") + std::strerror(err));
    // A provisional reply leaves the transaction ours; libre resends it for retransmissions.
    err = sip_treply(&st, stack, &invite, 100, "Trying");
    self->transaction_.reset(st);
    if (err != 0)
        return core::fail(std::string("sip: cannot send 100 Trying: ") + std::strerror(err));
    return self;
}

void ProceedingInvite::on_cancel(void* arg) {
    auto* self = static_cast<ProceedingInvite*>(arg);
    // A final reply hands the transaction to libre (it nulls our pointer and keeps it alive for
    // the ACK and the retransmissions of the 487).
    struct sip_strans* st = self->transaction_.release();
    (void)sip_treply(&st, self->stack_, self->invite_.get(), 487, "Request Terminated");
    // Still ours only if the reply could not even be built: drop it, since its handler argument
    // (this object) is about to go.
    mem_deref(st);
    auto done = std::move(self->on_cancel_);
    if (done) done();  // may destroy self
}

}  // namespace sip
