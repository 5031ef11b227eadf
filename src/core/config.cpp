#include "core/config.hpp"

#include "core/log.hpp"

#include <toml++/toml.h>

#include <algorithm>
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
    Section(const toml::table* table, std::string name, std::string source,
            std::vector<std::string>& errors)
        : table_(table), name_(std::move(name)), source_(std::move(source)), errors_(errors) {}

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

private:
    const toml::node* take(const char* key) {
        known_.insert(key);
        if (g_key_collector != nullptr) g_key_collector->push_back(qualified(key));
        if (table_ == nullptr) return nullptr;
        return table_->get(key);
    }
    [[nodiscard]] std::string qualified(const std::string& key) const {
        return name_.empty() ? key : name_ + "." + key;
    }

    const toml::table* table_;
    std::string name_;
    std::string source_;
    std::vector<std::string>& errors_;
    std::set<std::string> known_;
};

bool codec_known(const std::string& name, bool video) {
    static const std::set<std::string> audio{"opus", "G722", "PCMU", "PCMA"};
    static const std::set<std::string> vid{"H264", "VP8"};
    return video ? vid.contains(name) : audio.contains(name);
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

uint32_t Config::call_slots(unsigned cpu_cores) const {
    if (capacity.max_calls > 0) return capacity.max_calls;
    const double slots = std::floor(static_cast<double>(cpu_cores) / capacity.cpu_cores_per_call);
    return slots < 1 ? 1U : static_cast<uint32_t>(slots);
}

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
            static const std::set<std::string> sections{"log",   "sip",  "registrar", "capacity",
                                                        "media", "turn", "api",       "service",
                                                        "ivr",   "dtmf", "browser"};
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
        }
    }
    {
        Section s(table_of("registrar"), "registrar", source_name, errors);
        s.str("server", cfg.registrar.server);
        s.str("domain", cfg.registrar.domain);
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
        s.boolean("audio_passthrough", cfg.media.audio_passthrough);
        s.finish();
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
            if (cfg.turn.server.rfind("turn:", 0) != 0)
                errors.push_back(source_name + ": 'turn.server' must be a turn:host:port URI");
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
        s.integer("reservation_timeout_s", cfg.api.reservation_timeout_s, 5, 3600);
        s.finish();
        if (!cfg.api.listen.empty() && cfg.api.listen.rfind(':') == std::string::npos)
            errors.push_back(source_name + ": 'api.listen' must be host:port");
    }

    {
        Section s(table_of("service"), "service", source_name, errors);
        s.str("name", cfg.service.name);
        s.str("base_url", cfg.service.base_url);
        s.str("display_name", cfg.service.display_name);
        s.str("secret", cfg.service.secret);
        s.str("checksum", cfg.service.checksum);
        s.str("jwt", cfg.service.jwt);
        s.str("password", cfg.service.password);
        s.integer("join_timeout_s", cfg.service.join_timeout_s, 5, 600);
        s.integer("wait_timeout_s", cfg.service.wait_timeout_s, 10, 86400);
        s.integer("alone_timeout_s", cfg.service.alone_timeout_s, 0, 86400);
        s.finish();
        if (cfg.service.name != "janus" && cfg.service.name != "jitsi" &&
            cfg.service.name != "bigbluebutton")
            errors.push_back(source_name +
                             ": 'service.name' must be janus, jitsi or bigbluebutton");
        if (cfg.service.base_url.rfind("http://", 0) != 0 &&
            cfg.service.base_url.rfind("https://", 0) != 0)
            errors.push_back(source_name + ": 'service.base_url' must be an http(s) URL");
        if (cfg.service.checksum != "sha1" && cfg.service.checksum != "sha256" &&
            cfg.service.checksum != "sha384" && cfg.service.checksum != "sha512")
            errors.push_back(source_name +
                             ": 'service.checksum' must be sha1, sha256, sha384 or sha512");
    }

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
        s.integer("window_width", cfg.browser.window_width, 320, 3840);
        s.integer("window_height", cfg.browser.window_height, 240, 2160);
        s.integer("start_timeout_ms", cfg.browser.start_timeout_ms, 1000, 300000);
        s.integer("heartbeat_interval_ms", cfg.browser.heartbeat_interval_ms, 0, 600000);
        s.integer("heartbeat_timeout_ms", cfg.browser.heartbeat_timeout_ms, 100, 600000);
        s.str("meeting_video", cfg.browser.meeting_video);
        s.finish();
        if (cfg.browser.meeting_video != "tab" && cfg.browser.meeting_video != "compositor")
            errors.push_back(source_name + ": 'browser.meeting_video' must be \"tab\" or " +
                             "\"compositor\", not \"" + cfg.browser.meeting_video + "\"");
        if (cfg.browser.executable.empty())
            errors.push_back(source_name + ": 'browser.executable' must not be empty");
        for (const auto& f : cfg.browser.extra_flags)
            if (f.rfind("--", 0) != 0)
                errors.push_back(source_name + ": 'browser.extra_flags' entry '" + f +
                                 "' must start with --");
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
