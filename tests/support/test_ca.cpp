#include "support/test_ca.hpp"

#include "support/program.hpp"
#include "support/temp_dir.hpp"

#include <chrono>
#include <fstream>
#include <sstream>
#include <vector>

namespace testsupport {

namespace {

core::Status run_openssl(const std::vector<std::string>& argv, const std::filesystem::path& dir) {
    auto r = run_command(argv, dir, std::chrono::seconds(60));
    if (!r) return r.error();
    if (r->exit_code != 0) return core::fail("openssl failed: " + r->output);
    return core::Ok{};
}

}  // namespace

core::Result<TestCa> TestCa::create(const std::filesystem::path& dir, const std::string& name) {
    TestCa ca;
    ca.dir_ = dir;
    ca.cert_ = dir / (name + ".pem");
    ca.key_ = dir / (name + ".key");
    auto st = run_openssl(
        {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca.key_.string(),
         "-out", ca.cert_.string(), "-days", "1", "-subj", "/CN=sipmediagw test CA " + name},
        dir);
    if (!st) return st.error();
    return ca;
}

core::Result<IssuedCertificate> TestCa::issue(const std::string& name,
                                              const std::string& san) const {
    IssuedCertificate c;
    c.certificate = dir_ / (name + ".pem");
    c.key = dir_ / (name + ".key");
    c.combined = dir_ / (name + ".combined.pem");
    const auto csr = dir_ / (name + ".csr");
    const auto ext = dir_ / (name + ".ext");
    write_file(ext, "subjectAltName=" + san + "\n");
    auto st = run_openssl({"openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout",
                           c.key.string(), "-out", csr.string(), "-subj", "/CN=" + name},
                          dir_);
    if (!st) return st.error();
    st = run_openssl({"openssl", "x509", "-req", "-in", csr.string(), "-CA", cert_.string(),
                      "-CAkey", key_.string(), "-CAcreateserial", "-out", c.certificate.string(),
                      "-days", "1", "-extfile", ext.string()},
                     dir_);
    if (!st) return st.error();
    std::ostringstream both;
    both << std::ifstream(c.certificate).rdbuf() << std::ifstream(c.key).rdbuf();
    write_file(c.combined, both.str());
    return c;
}

}  // namespace testsupport
