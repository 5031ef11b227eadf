#include "support/crash_handler.hpp"

#include <dlfcn.h>
#include <execinfo.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

extern char** environ;

namespace testsupport {
namespace {

// Everything the handler reads is prepared before any crash: it may only use async-signal-safe
// calls (write, _Fork, execve, waitpid, nanosleep, kill) plus backtrace() (preloaded below) and
// dladdr() (takes the loader's lock: a crash inside dlopen on another thread could hang, rare
// enough and bounded by CTest's timeout).
constexpr int kMaxFrames = 64;
char g_addr2line[1024];  // empty when addr2line is not installed
char g_test[512] = "(none started yet)";
std::atomic<bool> g_crashing{false};
// The main thread's alternate stack, so a stack overflow there still gets its report.
alignas(16) char g_alt_stack[256 * 1024];

// "0x..." into out (at least 19 chars).
void format_hex(char* out, uintptr_t v) {
    char tmp[16];
    size_t n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v & 0xf];
        v >>= 4;
    } while (v != 0);
    size_t m = 0;
    out[m++] = '0';
    out[m++] = 'x';
    while (n > 0) out[m++] = tmp[--n];
    out[m] = '\0';
}

// A line built on the stack and written to stderr in one write().
class Line {
public:
    Line& str(const char* s) {
        while (*s != '\0' && len_ < sizeof(buf_)) buf_[len_++] = *s++;
        return *this;
    }
    Line& dec(long v) {
        char tmp[24];
        size_t n = 0;
        const bool neg = v < 0;
        unsigned long u = neg ? 0UL - static_cast<unsigned long>(v) : static_cast<unsigned long>(v);
        do {
            tmp[n++] = static_cast<char>('0' + u % 10);
            u /= 10;
        } while (u != 0);
        if (neg) tmp[n++] = '-';
        while (n > 0 && len_ < sizeof(buf_)) buf_[len_++] = tmp[--n];
        return *this;
    }
    Line& hex(uintptr_t v) {
        char text[20];
        format_hex(text, v);
        return str(text);
    }
    // Writes the line and starts a new one.
    void flush() {
        size_t off = 0;
        while (off < len_) {
            const ssize_t w = ::write(STDERR_FILENO, buf_ + off, len_ - off);
            if (w <= 0) break;
            off += static_cast<size_t>(w);
        }
        len_ = 0;
    }

private:
    char buf_[1024];
    size_t len_ = 0;
};

const char* signal_name(int sig) {
    switch (sig) {
        case SIGSEGV:
            return "SIGSEGV";
        case SIGBUS:
            return "SIGBUS";
        case SIGFPE:
            return "SIGFPE";
        case SIGILL:
            return "SIGILL";
        case SIGABRT:
            return "SIGABRT";
        default:
            return "signal";
    }
}

uintptr_t fault_pc(void* context) {
#if defined(__x86_64__)
    return static_cast<uintptr_t>(static_cast<ucontext_t*>(context)->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
    return static_cast<uintptr_t>(static_cast<ucontext_t*>(context)->uc_mcontext.pc);
#else
    (void)context;
    return 0;
#endif
}

// Runs `addr2line -C -f -i -p -a -e module offsets...` with its output on stderr, waiting at most
// 30 s for it (a huge binary's DWARF takes a few seconds on a loaded machine).
void symbolize(const char* module, char (*offsets)[20], int count) {
    if (g_addr2line[0] == '\0' || count == 0) return;
    const char* argv[8 + kMaxFrames + 1];
    int n = 0;
    argv[n++] = g_addr2line;
    argv[n++] = "-C";
    argv[n++] = "-f";
    argv[n++] = "-i";
    argv[n++] = "-p";
    argv[n++] = "-a";
    argv[n++] = "-e";
    argv[n++] = module;
    for (int i = 0; i < count; ++i) argv[n++] = offsets[i];
    argv[n] = nullptr;
    // _Fork, not fork: no atfork handlers and no malloc locks, which the crash may hold.
    const pid_t child = ::_Fork();
    if (child < 0) return;
    if (child == 0) {
        ::dup2(STDERR_FILENO, STDOUT_FILENO);
        ::execve(g_addr2line, const_cast<char* const*>(argv), environ);
        ::_exit(127);
    }
    for (int waited_ms = 0; waited_ms < 30000; waited_ms += 20) {
        int status = 0;
        if (::waitpid(child, &status, WNOHANG) == child) return;
        const timespec pause{0, 20 * 1000 * 1000};
        ::nanosleep(&pause, nullptr);
    }
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
}

void on_crash(int sig, siginfo_t* info, void* context) {
    // A second thread crashing meanwhile waits: the first one's report is the one that matters
    // and the process dies at its end.
    if (g_crashing.exchange(true)) {
        for (;;) ::pause();
    }
    Line line;
    char thread_name[17] = {};
    ::prctl(PR_GET_NAME, thread_name, 0, 0, 0);
    const long tid = ::syscall(SYS_gettid);
    line.str("\n*** ").str(signal_name(sig)).str(" (").dec(sig).str(")");
    if (sig != SIGABRT) line.str(" at address ").hex(reinterpret_cast<uintptr_t>(info->si_addr));
    line.str(", si_code ").dec(info->si_code);
    if (info->si_code <= 0) line.str(", sent by pid ").dec(info->si_pid);
    line.str(", thread ").dec(tid).str(" '").str(thread_name).str("'");
    if (tid == ::getpid()) line.str(" (main)");
    line.str("\n*** test: ").str(g_test).str("\n*** backtrace:\n");
    line.flush();

    void* frames[kMaxFrames];
    const int count = ::backtrace(frames, kMaxFrames);
    ::backtrace_symbols_fd(frames, count, STDERR_FILENO);

    // Each frame as module+offset (what addr2line -e module takes), then addr2line per module.
    const uintptr_t pc = fault_pc(context);
    Dl_info where[kMaxFrames];
    uintptr_t offset[kMaxFrames];
    bool known[kMaxFrames];
    for (int i = 0; i < count; ++i) {
        const auto addr = reinterpret_cast<uintptr_t>(frames[i]);
        known[i] = ::dladdr(frames[i], &where[i]) != 0 && where[i].dli_fname != nullptr;
        // A return address points after its call; addr-1 is inside the call's line. The
        // faulting frame's address is the faulting instruction itself.
        const uintptr_t lookup = addr == pc ? addr : addr - 1;
        offset[i] = known[i] ? lookup - reinterpret_cast<uintptr_t>(where[i].dli_fbase) : lookup;
        line.str("#").dec(i).str(" ").hex(addr).str(" ");
        line.str(known[i] ? where[i].dli_fname : "?").str(" +").hex(offset[i]);
        if (addr == pc) line.str("  <-- faulting instruction");
        line.str("\n").flush();
    }
    line.str("*** file:line (addr2line -e <module> <offset>):\n").flush();
    bool done[kMaxFrames] = {};
    for (int i = 0; i < count; ++i) {
        if (done[i] || !known[i]) continue;
        char offsets[kMaxFrames][20];
        int n = 0;
        for (int j = i; j < count; ++j) {
            if (done[j] || !known[j] || std::strcmp(where[j].dli_fname, where[i].dli_fname) != 0)
                continue;
            done[j] = true;
            format_hex(offsets[n++], offset[j]);
        }
        line.str("--- ").str(where[i].dli_fname).str("\n").flush();
        symbolize(where[i].dli_fname, offsets, n);
    }
    line.str("*** end of crash report\n").flush();

    // The action is back to the default (SA_RESETHAND) and the signal is blocked in here: it is
    // delivered on return, so the process dies of it (CTest: SEGFAULT, a core where enabled).
    ::raise(sig);
}

class TestNameRecorder : public ::testing::EmptyTestEventListener {
    void OnTestStart(const ::testing::TestInfo& info) override {
        std::snprintf(g_test, sizeof(g_test), "%s.%s", info.test_suite_name(), info.name());
    }
    void OnTestEnd(const ::testing::TestInfo& info) override {
        std::snprintf(g_test, sizeof(g_test), "(after %s.%s ended)", info.test_suite_name(),
                      info.name());
    }
};

void find_addr2line() {
    const char* path = std::getenv("PATH");
    std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
    size_t start = 0;
    while (start <= dirs.size()) {
        const size_t end = std::min(dirs.find(':', start), dirs.size());
        const std::string candidate = dirs.substr(start, end - start) + "/addr2line";
        if (end > start && candidate.size() < sizeof(g_addr2line) &&
            ::access(candidate.c_str(), X_OK) == 0) {
            std::memcpy(g_addr2line, candidate.c_str(), candidate.size() + 1);
            return;
        }
        start = end + 1;
    }
}

// Only sigaltstack and sigaction: safe from .preinit_array, before libc and libstdc++ ran their
// own initialisation.
void install_signal_actions() {
    static bool installed = false;
    if (installed) return;
    installed = true;
    stack_t alt{};
    alt.ss_sp = g_alt_stack;
    alt.ss_size = sizeof(g_alt_stack);
    ::sigaltstack(&alt, nullptr);

    struct sigaction action {};
    action.sa_sigaction = on_crash;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) ::sigaction(sig, &action, nullptr);
}

void prepare_symbolizer() {
    static bool prepared = false;
    if (prepared) return;
    prepared = true;
    find_addr2line();
    // backtrace() loads libgcc_s on its first call (malloc, dlopen): do it now, not in the crash.
    void* warm[2];
    (void)::backtrace(warm, 2);
}

// A crash while the binary starts (a shared library's initialiser, a static constructor), before
// gtest printed a line, is reported too: .preinit_array runs before every other initialiser; the
// symbolizer is ready from the first of the binary's own constructors (without it, raw frames).
__attribute__((section(".preinit_array"), used)) void (*g_preinit)() = install_signal_actions;

__attribute__((constructor(101))) void prepare_before_main() {
    prepare_symbolizer();
}

}  // namespace

void install_crash_handler() {
    // gtest flushes its own lines, but anything else printed to stdout would sit in the pipe's
    // buffer and be lost with the process.
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    install_signal_actions();
    prepare_symbolizer();
    // gtest's listener list takes ownership of what it is given.
    ::testing::UnitTest::GetInstance()->listeners().Append(new TestNameRecorder);
}

}  // namespace testsupport
