#include "api/static_site.hpp"
#include "services/janus_local.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace {

namespace fs = std::filesystem;

class StaticSiteTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/sipmediagw-site-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        fs::create_directories(fs::path(dir_) / "www" / "js");
        std::ofstream(fs::path(dir_) / "www" / "index.html") << "<h1>hi</h1>";
        std::ofstream(fs::path(dir_) / "www" / "js" / "a.js") << "var a=1;";
        std::ofstream(fs::path(dir_) / "secret.txt") << "no";
    }
    void TearDown() override { fs::remove_all(dir_); }

    api::HttpResponse get(const api::StaticSite& site, const std::string& path) {
        api::HttpRequest r;
        r.method = "GET";
        r.path = path;
        return site.handle(r);
    }
    std::string dir_;
};

TEST_F(StaticSiteTest, ServesFilesAndOverrides) {
    api::StaticSite site((fs::path(dir_) / "www").string());
    site.override_file("/settings.js", "var server='x';", "application/javascript");
    auto index = get(site, "/");
    EXPECT_EQ(index.status, 200);
    EXPECT_EQ(index.body, "<h1>hi</h1>");
    EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(get(site, "/js/a.js").content_type, "application/javascript");
    EXPECT_EQ(get(site, "/settings.js").body, "var server='x';");
    EXPECT_EQ(get(site, "/missing.html").status, 404);
}

TEST_F(StaticSiteTest, RefusesPathsOutsideTheRoot) {
    api::StaticSite site((fs::path(dir_) / "www").string());
    EXPECT_EQ(get(site, "/../secret.txt").status, 404);
    EXPECT_EQ(get(site, "/js/../../secret.txt").status, 404);
    EXPECT_EQ(get(site, "/js/").status, 404);  // a folder without index.html
}

TEST(JanusLocalConfig, RestrictsIceAndPlugins) {
    services::JanusLocalOptions o;
    o.ice_enforce_list = "veth-gw";
    o.http_ip = "10.200.0.1";
    o.http_port = 18088;
    const auto main = services::JanusLocal::main_config(o, "/tmp/x");
    EXPECT_NE(main.find("ice_enforce_list = \"veth-gw\""), std::string::npos);
    EXPECT_NE(main.find("libjanus_websockets.so"), std::string::npos);
    EXPECT_NE(main.find("configs_folder = \"/tmp/x\""), std::string::npos);
    const auto http = services::JanusLocal::http_config(o);
    EXPECT_NE(http.find("port = 18088"), std::string::npos);
    EXPECT_NE(http.find("ip = \"10.200.0.1\""), std::string::npos);
    EXPECT_NE(services::JanusLocal::videoroom_config().find("room-1234"), std::string::npos);
}

}  // namespace
