// One SIP INVITE dialog (inbound or outbound) on libre's sipsess: offer/answer for the initial
// INVITE and every re-INVITE/UPDATE, INFO events, RFC 4028 session timers, and hang-up.
// Events are delivered on the control thread; the owner must not destroy the Call from inside an
// event handler (post the destruction to the loop instead).
#pragma once

#include "core/control_loop.hpp"
#include "core/re_handle.hpp"
#include "core/result.hpp"
#include "sip/digest_source.hpp"
#include "sip/ephemeral_credentials.hpp"
#include "sip/info_body.hpp"
#include "sip/negotiated_media.hpp"
#include "sip/next_hop.hpp"
#include "sip/offer_answer.hpp"
#include "sip/session_timer.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>

struct sip_msg;
struct sipsess;

namespace sip {

class UserAgent;

struct CallEvents {
    // Every offer/answer completed after the initial INVITE's (re-INVITE, UPDATE, the answer to
    // our offer in an ACK or a 200 OK).
    std::function<void(const NegotiatedMedia&)> on_media;
    std::function<void()> on_established;  // ACK received / 200 OK received
    std::function<void(const InfoEvent&)> on_info;
    std::function<void(const std::string& cause)> on_closed;  // the dialog is gone
    // A re-INVITE or UPDATE offered a content or BFCP line that the call has no local ports
    // for (behind TURN: no relays for them yet); it was answered with port 0, and
    // offer_content() can offer them once the ports exist (docs/content.md, "Behind TURN").
    std::function<void()> on_content_without_ports;
};

struct AnswerPlan {
    std::string answer_sdp;  // empty: the INVITE had no offer, we offer in the 200 OK
    NegotiatedMedia media;   // what answer_sdp settled (the owner starts media with it)
    SessionTimerDecision timer;
    uint32_t ring_ms = 0;  // >0: 180 Ringing first, 200 OK after this long
    std::string contact_user;
};

class Call {
public:
    // Answers `invite` (its 100 Trying is already sent). `origin` must be the one used to build
    // plan.answer_sdp.
    static core::Result<std::unique_ptr<Call>> accept(UserAgent& ua, const struct sip_msg& invite,
                                                      std::string log_id, CodecPreferences prefs,
                                                      LocalMediaPorts ports, SdpOrigin origin,
                                                      AnswerPlan plan, CallEvents events);
    // Places a call to `to_uri` (sip:user@host[:port][;transport=tcp]). A TLS target named by a
    // host name is resolved first: the INVITE leaves later, and a failure arrives as on_closed.
    // `credentials` answer a 401/407 only when its realm is `auth_realm` (sip/digest_source.hpp).
    static core::Result<std::unique_ptr<Call>> dial(UserAgent& ua, const std::string& to_uri,
                                                    const std::string& from_uri,
                                                    std::optional<Credentials> credentials,
                                                    std::string auth_realm, std::string log_id,
                                                    CodecPreferences prefs, LocalMediaPorts ports,
                                                    CallEvents events);
    ~Call();  // BYE when established, 487/CANCEL when not (libre finishes the transaction)
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;

    void hangup(const std::string& cause);
    // Behind TURN: `ports` now has the content line's and the BFCP line's relays. Offers the
    // content and BFCP lines the peer asked for (answered with port 0 for want of them) in a
    // re-INVITE of ours; libre sends it once no transaction is pending and retries it after a
    // 491. A re-INVITE of the peer's that comes first and does not settle them makes us offer
    // again after it. false: nothing left to offer (the peer's latest offer dropped them).
    bool offer_content(const LocalMediaPorts& ports);
    // Asks the peer for a video keyframe with SIP INFO picture_fast_update (RFC 5168), for
    // peers that offered no RTCP PLI/FIR feedback.
    void request_keyframe();
    [[nodiscard]] bool closed() const { return closed_; }
    [[nodiscard]] const std::string& call_id() const { return call_id_; }
    [[nodiscard]] const NegotiatedMedia& media() const { return media_; }

    // UserAgent plumbing for UPDATE (libre 1.1.0 sipsess does not handle it).
    [[nodiscard]] bool matches(const struct sip_msg& msg) const;
    void handle_update(const struct sip_msg& msg);
    // For a re-INVITE: the failure to answer before libre takes it (libre would say 488 for
    // every refusal; a malformed SDP deserves 400).
    [[nodiscard]] std::optional<SdpFailure> check_offer(const struct sip_msg& msg) const;

    struct Key {  // only accept() and dial() make calls
        explicit Key() = default;
    };
    Call(Key, UserAgent& ua, std::string log_id, CodecPreferences prefs, LocalMediaPorts ports,
         CallEvents events);

private:
    static int on_offer(struct mbuf** descp, const struct sip_msg* msg, void* arg);
    static int on_answer(const struct sip_msg* msg, void* arg);
    static void on_progress(const struct sip_msg* msg, void* arg);
    static void on_established(const struct sip_msg* msg, void* arg);
    static void on_info(struct libre_sip* sip, const struct sip_msg* msg, void* arg);
    static void on_close(int err, const struct sip_msg* msg, void* arg);

    void send_answer();
    // Keeps the peer's offer for offer_content(); true when it asks for content or BFCP lines
    // that we have no ports for.
    bool note_offer(const std::string& body);
    bool send_content_offer();
    // Sends the INVITE (through `via` when the target's name was resolved by us).
    core::Status connect(const std::string& to_uri, const std::string& from_uri,
                         const std::optional<NextHop>& via);
    void apply_timer(const SessionTimerDecision& d);
    void refresh();
    // Our SDP for the current state; bumps the o= version only when the content changed.
    std::string current_sdp_for(const std::string& body);
    void close_with(const std::string& cause);

    UserAgent& ua_;
    std::string log_id_;
    CodecPreferences prefs_;
    LocalMediaPorts ports_;
    CallEvents events_;
    core::ReHandle<struct sipsess> sess_;
    std::string call_id_;
    SdpOrigin origin_;
    std::string last_sdp_body_;  // without the o= line, to detect changes
    std::string local_sdp_;
    NegotiatedMedia media_;
    AnswerPlan plan_;
    core::ReHandle<DigestSource> auth_;
    bool closed_ = false;
    bool established_ = false;
    SessionTimerDecision timer_;
    core::Timer ring_timer_;
    core::Timer refresh_timer_;
    core::Timer expire_timer_;
    std::unique_ptr<NextHopLookup> lookup_;  // a dial-out target's name being resolved
    std::string last_offer_;                 // the peer's latest SDP offer
    std::string content_offer_;  // the peer's latest offer asking for content or BFCP lines
    // What our offer_content() re-INVITE described: the answer to it settles the content and
    // BFCP lines from it (as a refresh's does from media_).
    std::optional<NegotiatedMedia> offered_media_;
    bool content_offer_wanted_ = false;  // offer_content() until an answer settles content
    // libre says nothing of a refused re-INVITE of ours: the offers made for one
    // offer_content() are bounded instead.
    unsigned content_offers_ = 0;
    core::Timer content_offer_timer_;  // offers again after the peer's re-INVITE
};

}  // namespace sip
