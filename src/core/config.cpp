#include "core/config.hpp"

#include "core/log.hpp"

#include <arpa/inet.h>
#include <toml++/toml.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace core {

namespace {

// Every "section.key" the loader reads, gathered while it reads (for config_keys()).
thread_local std::vector<std::string>* g_key_collector = nullptr;

// Reads one TOML table against the keys we document; anything else is an error with its line.
class Section {
public:
    // `label` names the table in messages when that differs from its key prefix
    // ("services[2]" for an entry of [[services]], whose keys are documented as "services.*").
    Section(const toml::table* table, std::string name, std::string source,
            std::vector<std::string>& errors, std::string label = {})
        : table_(table),
          name_(std::move(name)),
          label_(label.empty() ? name_ : std::move(label)),
          source_(std::move(source)),
          errors_(errors) {}

    void str(const char* key, std::string& out) {
        const toml::node* n = take(key);
        if (n == nullptr) return;
        if (const auto* v = n->as_string()) {
            out = v->get();
        } else {
            error(*n, key, "must be a string");
        }
    }

    template <class Int>
    void integer(const char* key, Int& out, int64_t min, int64_t max) {
        const toml::node* n = take(key);
        if (n == nullptr) return;
        const auto* v = n->as_integer();
        if (v == nullptr) {
            error(*n, key, "must be an integer");
            return;
        }
        if (v->get() < min || v->get() > max) {
            error(*n, key,
                  "must be between " + std::to_string(min) + " and " + std::to_string(max));
            return;
        }
        out = static_cast<Int>(v->get());
    }

    void boolean(const char* key, bool& out) {
        const toml::node* n = take(key);
        if (n == nullptr) return;
        if (const auto* v = n->as_boolean()) {
            out = v->get();
        } else {
            error(*n, key, "must be true or false");
        }
    }

    void number(const char* key, double& out, double min, double max) {
        const toml::node* n = take(key);
        if (n == nullptr) return;
        double value = 0;
        if (const auto* f = n->as_floating_point()) {
            value = f->get();
        } else if (const auto* i = n->as_integer()) {
            value = static_cast<double>(i->get());
        } else {
            error(*n, key, "must be a number");
            return;
        }
        if (!(value >= min && value <= max)) {
            std::ostringstream os;
            os << "must be between " << min << " and " << max;
            error(*n, key, os.str());
            return;
        }
        out = value;
    }

    void strings(const char* key, std::vector<std::string>& out) {
        const toml::node* n = take(key);
        if (n == nullptr) return;
        const auto* arr = n->as_array();
        if (arr == nullptr) {
            error(*n, key, "must be an array of strings");
            return;
        }
        std::vector<std::string> values;
        for (const auto& item : *arr) {
            const auto* s = item.as_string();
            if (s == nullptr) {
                error(item, key, "must be an array of strings");
                return;
            }
            values.push_back(s->get());
        }
        out = std::move(values);
    }

    // Reports every key of the table that no getter asked for.
    void finish() {
        if (table_ == nullptr) return;
        for (const auto& [k, v] : *table_) {
            if (!known_.contains(std::string(k.str()))) {
                errors_.push_back(where(v) + "unknown key '" + qualified(std::string(k.str())) +
                                  "' (see docs/configuration.md)");
            }
        }
    }

    void error(const toml::node& n, const std::string& key, const std::string& what) {
        errors_.push_back(where(n) + "'" + qualified(key) + "' " + what);
    }

    [[nodiscard]] std::string where(const toml::node& n) const {
        return source_ + ":" + std::to_string(n.source().begin.line) + ": ";
    }

    // An error about a key already read, at its line (or the table's when it is absent).
    void error_at(const std::string& key, const std::string& what) {
        const toml::node* n = table_ != nullptr ? table_->get(key) : nullptr;
        if (n == nullptr) n = table_;
        errors_.push_back((n != nullptr ? where(*n) : source_ + ": ") + "'" + qualified(key) +
                          "' " + what);
    }

private:
    const toml::node* take(const char* key) {
        known_.insert(key);
        if (g_key_collector != nullptr) g_key_collector->push_back(collected(key));
        if (table_ == nullptr) return nullptr;
        return table_->get(key);
    }
    [[nodiscard]] std::string qualified(const std::string& key) const {
        return label_.empty() ? key : label_ + "." + key;
    }
    [[nodiscard]] std::string collected(const std::string& key) const {
        return name_.empty() ? key : name_ + "." + key;
    }

    const toml::table* table_;
    std::string name_;
    std::string label_;
    std::string source_;
    std::vector<std::string>& errors_;
    std::set<std::string> known_;
};

// 127.0.0.0/8, ::1 or localhost ("host:port", "[v6]:port").
bool listen_is_loopback(const std::string& listen) {
    std::string host = listen.substr(0, listen.rfind(':'));
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    if (host == "localhost" || host == "::1") return true;
    unsigned char a[4];
    return inet_pton(AF_INET, host.c_str(), a) == 1 && a[0] == 127;
}

bool codec_known(const std::string& name, bool video) {
    static const std::set<std::string> audio{"opus", "G722", "PCMU", "PCMA"};
    static const std::set<std::string> vid{"H264", "VP8"};
    return video ? vid.contains(name) : audio.contains(name);
}

bool service_kind_known(const std::string& kind) {
    return kind == "janus" || kind == "jitsi" || kind == "bigbluebutton";
}

// A name, prefix or domain label: letters, digits, '-' and '_' (no '.', which ends a prefix).
bool plain_word(const std::string& text, size_t max) {
    return !text.empty() && text.size() <= max &&
           std::all_of(text.begin(), text.end(), [](unsigned char c) {
               return std::isalnum(c) != 0 || c == '-' || c == '_';
           });
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// The keys every service has, in [service] and in each [[services]] entry alike: a key added
// here is available in both.
void read_service_keys(Section& s, ServiceConfig& out) {
    s.str("base_url", out.base_url);
    s.str("display_name", out.display_name);
    s.str("secret", out.secret);
    s.str("checksum", out.checksum);
    s.str("jwt", out.jwt);
    s.str("token_url", out.token_url);
    s.str("password", out.password);
    s.integer("join_timeout_s", out.join_timeout_s, 5, 600);
    s.integer("wait_timeout_s", out.wait_timeout_s, 10, 86400);
    s.integer("alone_timeout_s", out.alone_timeout_s, 0, 86400);
}

void check_service_keys(Section& s, const ServiceConfig& c) {
    if (c.base_url.rfind("http://", 0) != 0 && c.base_url.rfind("https://", 0) != 0)
        s.error_at("base_url", "must be an http(s) URL");
    if (!c.token_url.empty() && c.token_url.rfind("http://", 0) != 0 &&
        c.token_url.rfind("https://", 0) != 0)
        s.error_at("token_url", "must be an http(s) URL");
    if (c.checksum != "sha1" && c.checksum != "sha256" && c.checksum != "sha384" &&
        c.checksum != "sha512")
        s.error_at("checksum", "must be sha1, sha256, sha384 or sha512");
}

// One [[services]] entry: its own keys, then the shared ones.
ServiceConfig read_services_entry(Section& s) {
    ServiceConfig c;
    c.name.clear();
    s.str("name", c.name);
    s.str("kind", c.kind);
    s.boolean("default", c.is_default);
    s.str("prefix", c.prefix);
    s.strings("domains", c.domains);
    s.str("ivr_digit", c.ivr_digit);
    s.str("label", c.label);
    read_service_keys(s, c);
    for (auto& d : c.domains) d = lower(d);
    return c;
}

void check_services_entry(Section& s, const ServiceConfig& c) {
    if (!plain_word(c.name, 32))
        s.error_at("name", "is required: 1-32 letters, digits, '-' or '_'");
    if (!service_kind_known(c.kind))
        s.error_at("kind", c.kind.empty()
                               ? "is required: janus, jitsi or bigbluebutton"
                               : "must be janus, jitsi or bigbluebutton, not \"" + c.kind + "\"");
    if (!c.prefix.empty() && !plain_word(c.prefix, 32))
        s.error_at("prefix", "must be 1-32 letters, digits, '-' or '_' (no '.')");
    for (const auto& d : c.domains) {
        const bool ok = !d.empty() && d.size() <= 253 && d.front() != '.' &&
                        std::all_of(d.begin(), d.end(), [](unsigned char ch) {
                            return std::isalnum(ch) != 0 || ch == '-' || ch == '.';
                        });
        if (!ok) s.error_at("domains", "entry \"" + d + "\" is not a domain name");
    }
    if (!c.ivr_digit.empty() &&
        (c.ivr_digit.size() != 1 || c.ivr_digit[0] < '0' || c.ivr_digit[0] > '9'))
        s.error_at("ivr_digit", "must be one digit, 0-9");
    check_service_keys(s, c);
}

// Names, prefixes, domains and IVR digits each choose one service: no two entries may share one.
// Errors point at the repeated key's line and name the entry that has it first.
void check_services_unique(const std::vector<ServiceConfig>& entries, const toml::array& tables,
                           const std::string& source, std::vector<std::string>& errors) {
    auto line_of = [&](size_t i, const char* key) {
        const auto* t = tables.get(i)->as_table();
        const toml::node* n = t->get(key);
        return (n != nullptr ? n : t)->source().begin.line;
    };
    std::map<std::string, size_t> seen;  // "<key>\n<value>" -> entry index
    auto claim = [&](size_t i, const char* key, const std::string& value) {
        if (value.empty()) return;
        auto [it, fresh] = seen.emplace(std::string(key) + "\n" + value, i);
        if (fresh) return;
        errors.push_back(
            fmt::format("{}:{}: 'services[{}].{}' \"{}\" is already used by service '{}' (line {})",
                        source, line_of(i, key), i + 1, key, value, entries[it->second].name,
                        line_of(it->second, key)));
    };
    size_t defaults = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
        const auto& c = entries[i];
        claim(i, "name", c.name);
        claim(i, "prefix", lower(c.prefix));
        for (const auto& d : c.domains) claim(i, "domains", d);
        claim(i, "ivr_digit", c.ivr_digit);
        if (c.is_default && ++defaults == 2)
            errors.push_back(
                fmt::format("{}:{}: 'services[{}].default': only one service may be the default",
                            source, line_of(i, "default"), i + 1));
    }
}

}  // namespace

Result<ListenAddress> parse_listen_address(std::string_view text) {
    // transport:host:port, host may be [v6]
    const auto first = text.find(':');
    if (first == std::string_view::npos) return fail("expected transport:host:port");
    ListenAddress la;
    la.transport = std::string(text.substr(0, first));
    if (la.transport != "udp" && la.transport != "tcp" && la.transport != "tls")
        return fail("transport must be udp, tcp or tls");
    std::string_view rest = text.substr(first + 1);
    const auto last = rest.rfind(':');
    if (last == std::string_view::npos || last == 0) return fail("expected transport:host:port");
    std::string_view host = rest.substr(0, last);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    la.host = std::string(host);
    const std::string port_text(rest.substr(last + 1));
    char* end = nullptr;
    const long port = std::strtol(port_text.c_str(), &end, 10);
    if (port_text.empty() || *end != '\0' || port < 1 || port > 65535)
        return fail("port must be 1-65535");
    la.port = static_cast<uint16_t>(port);
    return la;
}

bool is_ip_address(std::string_view host) {
    // inet_pton stops at a NUL, and TOML strings may hold one ("\u0000").
    if (host.empty() || host.size() >= INET6_ADDRSTRLEN ||
        host.find('\0') != std::string_view::npos)
        return false;
    const std::string z(host);
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, z.c_str(), buf) == 1 || inet_pton(AF_INET6, z.c_str(), buf) == 1;
}

Result<TurnServer> parse_turn_server(std::string_view url) {
    if (url.rfind("turn:", 0) != 0) return fail("must be a turn:host[:port] URI");
    std::string_view rest = url.substr(5);
    if (const auto q = rest.find('?'); q != std::string_view::npos) {
        // Only UDP relays are implemented; any other transport would silently be UDP.
        if (rest.substr(q + 1) != "transport=udp") return fail("only ?transport=udp is supported");
        rest = rest.substr(0, q);
    }
    TurnServer out;
    std::string_view host = rest;
    std::string_view port;
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string_view::npos) return fail("unclosed '[' in the host");
        host = rest.substr(1, close - 1);
        const std::string_view after = rest.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return fail("expected :port after ']'");
            port = after.substr(1);
            if (port.empty()) return fail("empty port");
        }
    } else if (const auto colon = rest.find(':'); colon != std::string_view::npos) {
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
        if (port.empty()) return fail("empty port");
    }
    if (host.empty()) return fail("no host");
    if (!is_ip_address(host))
        return fail("host '" + std::string(host) +
                    "' is not an IP address (a name would be resolved with blocking DNS for "
                    "every call)");
    if (!port.empty()) {
        unsigned v = 0;
        const auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
        if (ec != std::errc() || p != port.data() + port.size() || v < 1 || v > 65535)
            return fail("port '" + std::string(port) + "' is not 1-65535");
        out.port = static_cast<uint16_t>(v);
    }
    out.host = std::string(host);
    return out;
}

uint32_t Config::call_slots(unsigned cpu_cores) const {
    if (capacity.max_calls > 0) return capacity.max_calls;
    const double slots = std::floor(static_cast<double>(cpu_cores) / capacity.cpu_cores_per_call);
    return slots < 1 ? 1U : static_cast<uint32_t>(slots);
}

namespace {

// [[services]]: several services, each chosen by room prefix, dialled domain or IVR digit.
void read_services(const toml::table& root, const std::string& source, Config& cfg,
                   std::vector<std::string>& errors) {
    const toml::node* node = root.get("services");
    if (node == nullptr) {
        if (g_key_collector != nullptr) {
            Section keys(nullptr, "services", source, errors);
            (void)read_services_entry(keys);
        }
        return;
    }
    const std::string at = source + ":" + std::to_string(node->source().begin.line) + ": ";
    const auto* entries = node->as_array();
    if (entries == nullptr || !entries->is_array_of_tables() || entries->empty()) {
        errors.push_back(at + "'services' must be a list of [[services]] tables");
        return;
    }
    if (root.get("service") != nullptr) {
        errors.push_back(at + "use [service] (one service) or [[services]] (several), not both");
        return;
    }
    for (size_t i = 0; i < entries->size(); ++i) {
        const auto* t = entries->get(i)->as_table();
        Section s(t, "services", source, errors, fmt::format("services[{}]", i + 1));
        ServiceConfig c = read_services_entry(s);
        s.finish();
        check_services_entry(s, c);
        cfg.services.push_back(std::move(c));
    }
    check_services_unique(cfg.services, *entries, source, errors);
    // Without `default = true` the first entry is the default.
    auto def = std::find_if(cfg.services.begin(), cfg.services.end(),
                            [](const ServiceConfig& c) { return c.is_default; });
    if (def == cfg.services.end()) def = cfg.services.begin();
    def->is_default = true;
    cfg.service = *def;
}

}  // namespace

Result<Config> load_config_string(std::string_view text, const std::string& source_name) {
    toml::table root;
    try {
        root = toml::parse(text, source_name);
    } catch (const toml::parse_error& e) {
        return fail(source_name + ":" + std::to_string(e.source().begin.line) + ": " +
                    std::string(e.description()));
    }

    Config cfg;
    std::vector<std::string> errors;
    auto table_of = [&](const char* name) -> const toml::table* {
        const toml::node* n = root.get(name);
        if (n == nullptr) return nullptr;
        if (const auto* t = n->as_table()) return t;
        errors.push_back(source_name + ":" + std::to_string(n->source().begin.line) + ": '" + name +
                         "' must be a table");
        return nullptr;
    };

    Section top(&root, "", source_name, errors);
    {
        // top-level only holds tables
        for (const auto& [k, v] : root) {
            static const std::set<std::string> sections{
                "log",     "sip",      "registrar", "capacity", "media",   "turn", "api",
                "service", "services", "ivr",       "dtmf",     "browser", "paths"};
            if (!sections.contains(std::string(k.str())))
                errors.push_back(top.where(v) + "unknown section or key '" + std::string(k.str()) +
                                 "' (see docs/configuration.md)");
        }
    }

    {
        Section s(table_of("log"), "log", source_name, errors);
        s.str("level", cfg.log_level);
        if (!valid_log_level(cfg.log_level))
            errors.push_back(source_name +
                             ": 'log.level' must be trace, debug, info, warn or error");
        s.finish();
    }
    {
        const toml::table* t = table_of("sip");
        Section s(t, "sip", source_name, errors);
        std::vector<std::string> listen;
        bool listen_given = false;
        if (t != nullptr && t->get("listen") != nullptr) listen_given = true;
        s.strings("listen", listen);
        if (listen_given) {
            cfg.sip.listen.clear();
            for (const auto& l : listen) {
                auto la = parse_listen_address(l);
                if (!la) {
                    s.error(*t->get("listen"), "listen",
                            "entry '" + l + "': " + la.error().message);
                } else {
                    cfg.sip.listen.push_back(*la);
                }
            }
            if (listen.empty()) s.error(*t->get("listen"), "listen", "must not be empty");
        }
        s.str("tls_certificate", cfg.sip.tls_certificate);
        s.str("tls_ca_file", cfg.sip.tls_ca_file);
        s.boolean("tls_verify", cfg.sip.tls_verify);
        std::vector<std::string> dns_servers;
        s.strings("dns_servers", dns_servers);
        for (const auto& d : dns_servers) {
            auto server = parse_listen_address("udp:" + d);
            if (!server || !is_ip_address(server->host)) {
                errors.push_back(source_name + ": 'sip.dns_servers' entry '" + d +
                                 "' must be ip:port (e.g. \"127.0.0.1:53\", \"[::1]:53\")");
            } else {
                cfg.sip.dns_servers.push_back(*server);
            }
        }
        if (!cfg.sip.tls_ca_file.empty() && !std::ifstream(cfg.sip.tls_ca_file).good())
            errors.push_back(source_name + ": 'sip.tls_ca_file' \"" + cfg.sip.tls_ca_file +
                             "\" cannot be read");
        s.str("public_address", cfg.sip.public_address);
        s.str("user_agent", cfg.sip.user_agent);
        s.integer("session_expires", cfg.sip.session_expires, 0, 86400);
        if (cfg.sip.session_expires != 0 && cfg.sip.session_expires < 90)
            errors.push_back(source_name +
                             ": 'sip.session_expires' must be 0 (off) or at least 90 (RFC 4028)");
        s.integer("busy_status", cfg.sip.busy_status, 400, 699);
        if (cfg.sip.busy_status != 486 && cfg.sip.busy_status != 503)
            errors.push_back(source_name + ": 'sip.busy_status' must be 486 or 503");
        s.integer("retry_after", cfg.sip.retry_after, 0, 86400);
        s.integer("ring_ms", cfg.sip.ring_ms, 0, 60000);
        s.finish();
        for (const auto& la : cfg.sip.listen) {
            if (la.transport == "tls" && cfg.sip.tls_certificate.empty())
                errors.push_back(source_name +
                                 ": a 'tls:' listen address needs 'sip.tls_certificate'");
            if (!is_ip_address(la.host))
                errors.push_back(source_name + ": 'sip.listen' host '" + la.host +
                                 "' must be an IP address");
        }
        // Advertised in SDP c= lines, which peers (and we) accept as IP literals only.
        if (!cfg.sip.public_address.empty() && !is_ip_address(cfg.sip.public_address))
            errors.push_back(source_name + ": 'sip.public_address' must be an IP address, not '" +
                             cfg.sip.public_address + "'");
    }
    {
        Section s(table_of("registrar"), "registrar", source_name, errors);
        s.str("server", cfg.registrar.server);
        s.str("domain", cfg.registrar.domain);
        s.str("realm", cfg.registrar.realm);
        s.str("secret", cfg.registrar.secret);
        s.str("password", cfg.registrar.password);
        s.str("ua_name", cfg.registrar.ua_name);
        s.str("prefix", cfg.registrar.prefix);
        s.integer("expires", cfg.registrar.expires, 60, 86400);
        s.integer("slots", cfg.registrar.slots, 0, 10000);
        s.finish();
        if (cfg.registrar.enabled()) {
            if (cfg.registrar.server.rfind("sip:", 0) != 0 &&
                cfg.registrar.server.rfind("sips:", 0) != 0)
                errors.push_back(source_name + ": 'registrar.server' must be a sip: or sips: URI");
            // libre connects out over TLS only through a TLS transport, and the registrar sends
            // calls to the contact we register, which is that listener.
            const bool tls_registrar =
                cfg.registrar.server.rfind("sips:", 0) == 0 ||
                cfg.registrar.server.find(";transport=tls") != std::string::npos;
            const bool tls_listener =
                std::any_of(cfg.sip.listen.begin(), cfg.sip.listen.end(),
                            [](const ListenAddress& la) { return la.transport == "tls"; });
            if (tls_registrar && !tls_listener)
                errors.push_back(
                    source_name +
                    ": a TLS 'registrar.server' needs a 'tls:' address in 'sip.listen'");
            if (!cfg.registrar.secret.empty() && !cfg.registrar.password.empty())
                errors.push_back(source_name +
                                 ": set 'registrar.secret' or 'registrar.password', not both");
            if (cfg.registrar.ua_name.empty())
                errors.push_back(source_name + ": 'registrar.ua_name' must not be empty");
        }
    }
    {
        Section s(table_of("capacity"), "capacity", source_name, errors);
        s.integer("max_calls", cfg.capacity.max_calls, 0, 10000);
        s.number("cpu_cores_per_call", cfg.capacity.cpu_cores_per_call, 0.01, 1024);
        s.finish();
    }
    {
        Section s(table_of("media"), "media", source_name, errors);
        s.str("address", cfg.media.address);
        s.integer("rtp_port_min", cfg.media.rtp_port_min, 1024, 65534);
        s.integer("rtp_port_max", cfg.media.rtp_port_max, 1025, 65535);
        s.strings("audio_codecs", cfg.media.audio_codecs);
        s.strings("video_codecs", cfg.media.video_codecs);
        s.integer("video_width", cfg.media.video_width, 16, 3840);
        s.integer("video_height", cfg.media.video_height, 16, 2160);
        s.integer("video_fps", cfg.media.video_fps, 1, 60);
        s.integer("video_bitrate_kbps", cfg.media.video_bitrate_kbps, 32, 20000);
        s.integer("media_timeout_s", cfg.media.media_timeout_s, 0, 3600);
        s.boolean("video_passthrough", cfg.media.video_passthrough);
        s.boolean("content_passthrough", cfg.media.content_passthrough);
        s.boolean("audio_passthrough", cfg.media.audio_passthrough);
        s.str("srtp", cfg.media.srtp);
        s.str("srtp_offer", cfg.media.srtp_offer);
        s.finish();
        if (cfg.media.srtp_offer != "sdes" && cfg.media.srtp_offer != "dtls")
            errors.push_back(source_name +
                             ": 'media.srtp_offer' must be \"sdes\" or \"dtls\", not '" +
                             cfg.media.srtp_offer + "'");
        if (cfg.media.srtp != "optional" && cfg.media.srtp != "mandatory" &&
            cfg.media.srtp != "off")
            errors.push_back(
                source_name +
                ": 'media.srtp' must be \"optional\", \"mandatory\" or \"off\", not '" +
                cfg.media.srtp + "'");
        if (cfg.media.rtp_port_max <= cfg.media.rtp_port_min + 4)
            errors.push_back(source_name +
                             ": 'media.rtp_port_max' must leave room above 'media.rtp_port_min'");
        for (const auto& c : cfg.media.audio_codecs)
            if (!codec_known(c, false))
                errors.push_back(source_name + ": 'media.audio_codecs' has unknown codec '" + c +
                                 "' (opus, G722, PCMU, PCMA)");
        for (const auto& c : cfg.media.video_codecs)
            if (!codec_known(c, true))
                errors.push_back(source_name + ": 'media.video_codecs' has unknown codec '" + c +
                                 "' (H264, VP8)");
        if (cfg.media.audio_codecs.empty())
            errors.push_back(source_name + ": 'media.audio_codecs' must not be empty");
        // GStreamer would resolve a name with blocking DNS when the sockets are made.
        if (!cfg.media.address.empty() && !is_ip_address(cfg.media.address))
            errors.push_back(source_name + ": 'media.address' must be an IP address, not '" +
                             cfg.media.address + "'");
    }
    {
        Section s(table_of("turn"), "turn", source_name, errors);
        s.str("server", cfg.turn.server);
        s.str("username", cfg.turn.username);
        s.str("password", cfg.turn.password);
        s.str("secret", cfg.turn.secret);
        s.integer("ttl", cfg.turn.ttl, 60, int64_t{7} * 86400);
        s.finish();
        if (cfg.turn.enabled()) {
            if (auto ts = parse_turn_server(cfg.turn.server); !ts)
                errors.push_back(source_name + ": 'turn.server' \"" + cfg.turn.server +
                                 "\": " + ts.error().message);
            if (cfg.turn.secret.empty() && cfg.turn.username.empty())
                errors.push_back(source_name +
                                 ": 'turn' needs 'secret' or 'username' and 'password'");
        }
    }

    {
        const toml::table* t = table_of("api");
        Section s(t, "api", source_name, errors);
        s.str("listen", cfg.api.listen);
        s.str("token", cfg.api.token);
        s.strings("allowed_hosts", cfg.api.allowed_hosts);
        s.integer("reservation_timeout_s", cfg.api.reservation_timeout_s, 5, 3600);
        s.finish();
        if (!cfg.api.listen.empty() && cfg.api.listen.rfind(':') == std::string::npos) {
            errors.push_back(source_name + ": 'api.listen' must be host:port");
        } else if (!cfg.api.listen.empty() && cfg.api.token.empty() &&
                   !listen_is_loopback(cfg.api.listen)) {
            // Without a token anyone who reaches the port places calls (docs/security.md).
            errors.push_back(source_name + ": 'api.listen' " + cfg.api.listen +
                             " is not a loopback address: set 'api.token' to expose the API");
        }
    }

    {
        Section s(table_of("service"), "service", source_name, errors);
        s.str("name", cfg.service.name);
        read_service_keys(s, cfg.service);
        s.finish();
        if (!service_kind_known(cfg.service.name))
            s.error_at("name", "must be janus, jitsi or bigbluebutton");
        check_service_keys(s, cfg.service);
    }
    read_services(root, source_name, cfg, errors);

    {
        Section s(table_of("ivr"), "ivr", source_name, errors);
        s.str("language", cfg.ivr.language);
        s.integer("digits", cfg.ivr.digits, 1, 32);
        s.integer("tries", cfg.ivr.tries, 1, 10);
        s.integer("inactivity_timeout_s", cfg.ivr.inactivity_timeout_s, 3, 600);
        s.str("mapper_url", cfg.ivr.mapper_url);
        s.str("mapper_field", cfg.ivr.mapper_field);
        s.str("text_en", cfg.ivr.text_en);
        s.str("text_fr", cfg.ivr.text_fr);
        s.finish();
        if (cfg.ivr.language != "en" && cfg.ivr.language != "fr")
            errors.push_back(source_name + ": 'ivr.language' must be en or fr");
        if (!cfg.ivr.mapper_url.empty() && cfg.ivr.mapper_url.rfind("http://", 0) != 0 &&
            cfg.ivr.mapper_url.rfind("https://", 0) != 0)
            errors.push_back(source_name + ": 'ivr.mapper_url' must be an http(s) URL");
    }
    {
        Section s(table_of("dtmf"), "dtmf", source_name, errors);
        std::map<std::string, std::string> used;
        for (auto [key, field] : {std::pair{"mute", &cfg.dtmf.mute},
                                  {"camera", &cfg.dtmf.camera},
                                  {"hand", &cfg.dtmf.hand},
                                  {"tile", &cfg.dtmf.tile},
                                  {"layout", &cfg.dtmf.layout},
                                  {"menu", &cfg.dtmf.menu},
                                  {"leave", &cfg.dtmf.leave}}) {
            s.str(key, *field);
            if (field->empty()) continue;
            if (field->size() != 1 ||
                std::string("0123456789*#").find((*field)[0]) == std::string::npos) {
                errors.push_back(source_name + ": 'dtmf." + key +
                                 "' must be one key: 0-9, * or # (or empty to disable)");
            } else if (auto [it, fresh] = used.emplace(*field, key); !fresh) {
                errors.push_back(source_name + ": 'dtmf." + key + "' uses key '" + *field +
                                 "', already used by 'dtmf." + it->second + "'");
            }
        }
        s.finish();
    }
    {
        Section s(table_of("browser"), "browser", source_name, errors);
        s.str("executable", cfg.browser.executable);
        s.strings("extra_flags", cfg.browser.extra_flags);
        s.str("profile_dir", cfg.browser.profile_dir);
        s.str("log_file", cfg.browser.log_file);
        s.integer("spares", cfg.browser.spares, 0, 64);
        s.integer("calls_per_browser", cfg.browser.calls_per_browser, 1, 16);
        s.integer("spare_refill_hold_ms", cfg.browser.spare_refill_hold_ms, 0, 60000);
        s.integer("window_width", cfg.browser.window_width, 320, 3840);
        s.integer("window_height", cfg.browser.window_height, 240, 2160);
        s.integer("start_timeout_ms", cfg.browser.start_timeout_ms, 1000, 300000);
        s.integer("heartbeat_interval_ms", cfg.browser.heartbeat_interval_ms, 0, 600000);
        s.integer("heartbeat_timeout_ms", cfg.browser.heartbeat_timeout_ms, 100, 600000);
        s.str("meeting_video", cfg.browser.meeting_video);
        s.str("meeting_layout", cfg.browser.meeting_layout);
        s.boolean("forward_encoded_video", cfg.browser.forward_encoded_video);
        s.boolean("forward_encoded_meeting_video", cfg.browser.forward_encoded_meeting_video);
        s.boolean("preload", cfg.browser.preload);
        s.finish();
        if (cfg.browser.meeting_video != "tab" && cfg.browser.meeting_video != "compositor")
            errors.push_back(source_name + ": 'browser.meeting_video' must be \"tab\" or " +
                             "\"compositor\", not \"" + cfg.browser.meeting_video + "\"");
        if (cfg.browser.meeting_layout != "speaker" && cfg.browser.meeting_layout != "grid")
            errors.push_back(source_name + ": 'browser.meeting_layout' must be \"speaker\" or " +
                             "\"grid\", not \"" + cfg.browser.meeting_layout + "\"");
        if (cfg.browser.executable.empty())
            errors.push_back(source_name + ": 'browser.executable' must not be empty");
        for (const auto& f : cfg.browser.extra_flags)
            if (f.rfind("--", 0) != 0)
                errors.push_back(source_name + ": 'browser.extra_flags' entry '" + f +
                                 "' must start with --");
    }
    {
        Section s(table_of("paths"), "paths", source_name, errors);
        s.str("data_dir", cfg.paths.data_dir);
        s.finish();
    }

    if (!errors.empty()) {
        std::string all;
        for (const auto& e : errors) {
            if (!all.empty()) all += "\n";
            all += e;
        }
        return fail(all);
    }
    return cfg;
}

std::vector<std::string> config_keys() {
    std::vector<std::string> keys;
    g_key_collector = &keys;
    (void)load_config_string("", "keys");
    g_key_collector = nullptr;
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    return keys;
}

Result<Config> load_config_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return fail(path + ": cannot open the file");
    std::stringstream ss;
    ss << in.rdbuf();
    return load_config_string(ss.str(), path);
}

}  // namespace core
