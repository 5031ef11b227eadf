#include "support/kamailio.hpp"

#include "support/ports.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

#include <fstream>
#include <regex>
#include <sstream>

namespace testsupport {

std::filesystem::path kamailio_config_path() {
    return std::filesystem::path(SIPMEDIAGW_SOURCE_DIR) / "deploy" / "kamailio" / "kamailio.cfg";
}

std::filesystem::path kamailio_tls_config_path() {
    return std::filesystem::path(SIPMEDIAGW_SOURCE_DIR) / "deploy" / "kamailio" / "tls.cfg";
}

namespace {

void replace_all(std::string& text, const std::string& from, const std::string& to) {
    for (auto pos = text.find(from); pos != std::string::npos;
         pos = text.find(from, pos + to.size()))
        text.replace(pos, from.size(), to);
}

// deploy/kamailio/tls.cfg with the test's files in place of the /etc/kamailio ones.
std::filesystem::path write_tls_config(const std::filesystem::path& dir, const KamailioOptions& o) {
    std::ostringstream in;
    in << std::ifstream(kamailio_tls_config_path()).rdbuf();
    std::string text = in.str();
    replace_all(text, "/etc/kamailio/sipmediagw-proxy.pem", o.tls_certificate.string());
    replace_all(text, "/etc/kamailio/sipmediagw-proxy.key", o.tls_key.string());
    replace_all(text, "/etc/kamailio/sipmediagw-ca.pem", o.tls_ca.string());
    const auto path = dir / "kamailio-tls.cfg";
    write_file(path, text);
    return path;
}

}  // namespace

core::Result<Kamailio> Kamailio::start(const std::filesystem::path& dir, KamailioOptions options) {
    Kamailio k;
    k.dir_ = dir;
    k.options_ = std::move(options);
    k.port_ = free_port();
    if (!k.options_.tls_certificate.empty()) k.tls_port_ = free_port();
    if (auto st = k.launch(); !st) return st.error();
    return k;
}

std::string Kamailio::uri() const {
    return "sip:127.0.0.1:" + std::to_string(port_);
}

std::string Kamailio::tls_uri() const {
    return "sip:127.0.0.1:" + std::to_string(tls_port_) + ";transport=tls";
}

core::Status Kamailio::launch() {
    const auto ctl = dir_ / "kamailio_ctl";
    std::filesystem::remove(ctl);
    std::vector<std::string> argv = {
        "kamailio", "-DD", "-E",
        // Small memory pools: a test registrar holds a handful of contacts.
        "-m", "32", "-M", "8", "-P", (dir_ / "kamailio.pid").string(), "-Y", dir_.string(), "-f",
        kamailio_config_path().string(), "-A", "SMGW_SIP_PORT=" + std::to_string(port_), "-A",
        "SMGW_SECRET=\"" + options_.secret + "\"", "-A",
        "SMGW_CTL_SOCKET=\"unix:" + ctl.string() + "\""};
    if (tls_port_ != 0) {
        const auto tls_cfg = write_tls_config(dir_, options_);
        argv.insert(argv.end(),
                    {"-A", "SMGW_WITH_TLS", "-A", "SMGW_TLS_PORT=" + std::to_string(tls_port_),
                     "-A", "SMGW_TLS_CONFIG=\"" + tls_cfg.string() + "\"",
                     // Tests reach the TLS side by name as localhost (RFC 6761, no DNS).
                     "-A", "SMGW_TLS_NAME=localhost"});
    }
    auto prog = Program::start("kamailio-" + std::to_string(++generation_), argv, dir_);
    if (!prog) return prog.error();
    program_ = std::move(prog.value());
    // Ready when the ctl process answers: it starts after the SIP listeners are bound.
    const bool up = wait_until(
        [&] {
            if (!program_.running()) return true;
            auto r = kamcmd({"core.version"});
            return r.ok();
        },
        std::chrono::seconds(20), std::chrono::milliseconds(100));
    if (!program_.running()) return core::fail("kamailio exited at start:\n" + program_.tail());
    if (!up) return core::fail("kamailio control socket not ready:\n" + program_.tail());
    return core::Ok{};
}

core::Status Kamailio::stop() {
    program_.stop();
    return core::Ok{};
}

core::Status Kamailio::restart() {
    program_.stop();
    // Its UDP/TCP sockets close with the process; wait until the port can be bound again.
    return launch();
}

core::Result<std::string> Kamailio::kamcmd(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {"kamcmd", "-s", "unix:" + (dir_ / "kamailio_ctl").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run_command(argv, dir_, std::chrono::seconds(10));
    if (!r) return r.error();
    if (r->exit_code != 0) return core::fail("kamcmd failed: " + r->output);
    return r->output;
}

core::Result<std::vector<std::string>> Kamailio::registered_aors() const {
    auto dump = kamcmd({"ul.dump"});
    if (!dump) return dump.error();
    std::vector<std::string> aors;
    static const std::regex aor_re(R"(AoR:\s*(\S+))");
    for (std::sregex_iterator it(dump->begin(), dump->end(), aor_re), end; it != end; ++it)
        aors.push_back((*it)[1].str());
    return aors;
}

std::vector<std::string> Kamailio::contacts_of(const std::string& aor) const {
    std::vector<std::string> contacts;
    auto out = kamcmd({"ul.lookup", "location", aor});
    if (!out) return contacts;  // "AOR not found" is an error reply
    static const std::regex addr_re(R"(Address:\s*(\S+))");
    for (std::sregex_iterator it(out->begin(), out->end(), addr_re), end; it != end; ++it)
        contacts.push_back((*it)[1].str());
    return contacts;
}

}  // namespace testsupport
