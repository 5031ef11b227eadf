// What the gateway does with bytes from the browser's DevTools pipe: NUL framing split across
// reads, JSON that is not JSON, replies to our commands (matching, errors, wrong shapes) and the
// events a tab's browser::Page follows (targets and iframes attached and detached, execution
// contexts, navigation, loads, crashes, and Runtime.bindingCalled, which carries whatever the
// meeting page's scripts pass to our bindings). A Page is opened on a pipe whose browser is
// played by the harness up to "ready"; then the input is fed in chunks of (first byte * 4 + 1)
// bytes. A binding call whose payload is "close" destroys the page inside the handler, as an
// owner ending the call would.
#include "browser/devtools_pipe.hpp"
#include "browser/page.hpp"
#include "core/control_loop.hpp"
#include "fuzz_support.hpp"

#include <fcntl.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace {

void answer(browser::DevToolsPipe& pipe, uint64_t id, const browser::Json& result) {
    std::string msg = browser::Json{{"id", id}, {"result", result}}.dump();
    msg.push_back('\0');
    (void)pipe.receive(msg);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fuzz::quiet_logs();
    static core::LibreRuntime libre;
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const size_t chunk = size_t{data[0]} * 4 + 1;
    const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);

    // What we write goes nowhere: the harness answers by the ids the Page is known to use.
    browser::DevToolsPipe pipe(browser::OwnedFd{}, browser::OwnedFd{::open("/dev/null", O_WRONLY)});
    browser::PageOptions options;
    options.scripts = {"window.__smgw = 1;"};
    options.bindings = {"sipmediagwSignal"};
    bool ready = false;
    std::unique_ptr<browser::Page> page =
        browser::Page::open(pipe, options, [&ready](const core::Status& st) { ready = st.ok(); });
    answer(pipe, 1, {{"targetId", "T1"}});
    answer(pipe, 2, {{"sessionId", "S1"}});
    for (uint64_t id = 3; id <= 8; ++id) answer(pipe, id, browser::Json::object());
    fuzz::require(ready, "the scripted browser gets the page ready");

    size_t bindings = 0;
    page->on_binding([&page, &bindings](const std::string& name, const std::string& payload,
                                        const browser::FrameContext& from) {
        ++bindings;
        fuzz::require(from.session_id == page->session_id() || page->frame_sessions() > 0,
                      "a binding call comes from our tab or one of its frames");
        if (payload == "close") page.reset();
    });
    page->on_crash([&page](const std::string&) { page.reset(); });
    page->on_context_destroyed([&page](const browser::FrameContext& c) {
        fuzz::require(!page->context_alive(c), "a destroyed context is not alive");
    });
    page->on_navigated([](const std::string&) {});
    page->on_load([](const std::string&) {});
    // Commands in flight whose answers the input may forge: 9 measures the window (the page's
    // scripts choose what it answers; then 11 and 12 size it), 10 evaluates.
    page->fit_viewport(1280, 720, [](const core::Status&) {});
    page->evaluate("1 + 1", [](const core::Result<browser::Json>&) {});
    page->evaluate_in(browser::FrameContext{"S1", 1, "T1", true}, "2",
                      [](const core::Result<browser::Json>&) {});

    for (size_t pos = 0; pos < bytes.size(); pos += chunk) {
        if (!pipe.receive(bytes.substr(pos, chunk))) break;
    }
    return 0;
}
