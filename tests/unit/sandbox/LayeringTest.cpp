// Layers (system, admin, user) merge key by key; includes resolve through the layers; loops
// are errors at the Include line.
#include "SandboxTestHelpers.h"

#include <gtest/gtest.h>

namespace mamori::sandbox {
namespace {

using test::Layers;

std::string errorOf(const ProfileLoader& loader, const std::string& name) {
    try {
        loader.load(name);
    } catch (const KeyFileError& e) {
        return e.what();
    }
    return "";
}

TEST(Layering, LaterLayersOverrideKeyByKey) {
    Layers layers;
    layers.write("system", "app",
                 "[Application]\nId=org.example.App\n[Syscalls]\nAllow=read;write;keyctl\n"
                 "DefaultAction=kill\n[Limits]\nkeyctl=16\n");
    layers.write("admin", "app", "[Syscalls]\nAllow=!write;getppid\nDefaultAction=errno:EPERM\n");
    layers.write("user", "app", "[Limits]\nkeyctl=4\n");
    const Profile p = layers.loader().load("app");
    EXPECT_EQ(p.id, "org.example.App");
    EXPECT_TRUE(p.allow.contains("read"));
    EXPECT_FALSE(p.allow.contains("write"));
    EXPECT_TRUE(p.allow.contains("getppid"));
    EXPECT_EQ(p.defaultAction.text, "errno:EPERM");
    EXPECT_EQ(p.limits.at("keyctl").count, 4U);
    EXPECT_EQ(p.limits.at("keyctl").origin.str(),
              (layers.dir("user") / "app.profile").string() + ":2");
    ASSERT_EQ(p.sources.size(), 3U);
}

TEST(Layering, EmptyScalarRemovesTheKey) {
    Layers layers;
    layers.write("system", "app", "[Syscalls]\nAllow=keyctl\n[Limits]\nkeyctl=16\n");
    layers.write("user", "app", "[Limits]\nkeyctl=\n");
    EXPECT_TRUE(layers.loader().load("app").limits.empty());
}

TEST(Layering, LaterAllowOverridesEarlierDenyAndBack) {
    Layers layers;
    layers.write("system", "app", "[Syscalls]\nAllow=read;ptrace\nDeny=keyctl\n");
    layers.write("admin", "app", "[Syscalls]\nAllow=keyctl\nDeny=ptrace\n");
    const Profile p = layers.loader().load("app");
    EXPECT_TRUE(p.allow.contains("keyctl"));
    EXPECT_FALSE(p.deny.contains("keyctl"));
    EXPECT_TRUE(p.deny.contains("ptrace"));
    EXPECT_FALSE(p.allow.contains("ptrace"));
}

TEST(Layering, IncludesResolveThroughAllLayers) {
    Layers layers;
    layers.write("system", "base", "[Syscalls]\nAllow=read;write\n");
    layers.write("admin", "base", "[Syscalls]\nAllow=getppid\n");
    layers.write("system", "app", "[Application]\nInclude=base\n[Syscalls]\nAllow=!write\n");
    const Profile p = layers.loader().load("app");
    EXPECT_TRUE(p.allow.contains("read"));
    EXPECT_TRUE(p.allow.contains("getppid"));
    EXPECT_FALSE(p.allow.contains("write"));
    EXPECT_EQ(p.sources.size(), 3U);
}

TEST(Layering, IncludeLoopNamesTheIncludeLine) {
    Layers layers;
    layers.write("system", "a", "[Application]\nInclude=b\n");
    layers.write("system", "b", "# b\n[Application]\nInclude=a\n");
    EXPECT_EQ(errorOf(layers.loader(), "a"),
              (layers.dir("system") / "b.profile").string() + ":3: include loop: a -> b -> a");
}

TEST(Layering, SelfIncludeIsALoop) {
    Layers layers;
    layers.write("admin", "a", "[Application]\nInclude=a\n");
    EXPECT_EQ(errorOf(layers.loader(), "a"),
              (layers.dir("admin") / "a.profile").string() + ":2: include loop: a -> a");
}

TEST(Layering, ErrorsInALayerNameThatLayer) {
    Layers layers;
    layers.write("system", "app", "[Syscalls]\nAllow=read\n");
    layers.write("user", "app", "[Syscalls]\n\nBogus=1\n");
    EXPECT_EQ(errorOf(layers.loader(), "app"), (layers.dir("user") / "app.profile").string() +
                                                   ":3: unknown key 'Bogus' in [Syscalls]");
}

TEST(Layering, MissingProfileAndPathLoading) {
    Layers layers;
    EXPECT_EQ(errorOf(layers.loader(), "nope"),
              "nope:0: no profile 'nope' in the profile directories");
    layers.write("system", "base", "[Syscalls]\nAllow=read\n");
    layers.write("user", "app", "[Application]\nInclude=base\n");
    const Profile p = layers.loader().load((layers.dir("user") / "app.profile").string());
    EXPECT_EQ(p.name, "app");
    EXPECT_TRUE(p.allow.contains("read"));
}

TEST(Layering, AProfileFileIncludesItsNeighbours) {
    // A profile written outside the layers (e.g. in a checkout) finds the profiles next to it.
    Layers layers;
    layers.write("user", "base-dev", "[Syscalls]\nAllow=getppid\n");
    layers.write("user", "app-dev", "[Application]\nInclude=base-dev\n");
    const ProfileLoader noLayers({});
    const Profile p = noLayers.load((layers.dir("user") / "app-dev.profile").string());
    EXPECT_TRUE(p.allow.contains("getppid"));
    EXPECT_EQ(errorOf(noLayers, "app-dev"), "app-dev:0: no profile 'app-dev' in the profile "
                                            "directories")
        << "by name, only the layers count";
}

TEST(Layering, EnvironmentReplacesTheDirectories) {
    ::setenv("MAMORI_PROFILE_PATH", "/a:/b", 1);
    const auto dirs = ProfileLoader::defaultLayerDirs();
    ::unsetenv("MAMORI_PROFILE_PATH");
    ASSERT_EQ(dirs.size(), 2U);
    EXPECT_EQ(dirs[1], "/b");
    ::setenv("XDG_CONFIG_HOME", "/x", 1);
    const auto defaults = ProfileLoader::defaultLayerDirs();
    ASSERT_EQ(defaults.size(), 3U);
    // The system layer follows the install prefix (/usr/share/… in a distribution package).
    EXPECT_TRUE(defaults[0].string().ends_with("/share/mamori/profiles")) << defaults[0];
    EXPECT_EQ(defaults[1], "/etc/mamori/profiles");
    EXPECT_EQ(defaults[2], "/x/mamori/profiles");
}

} // namespace
} // namespace mamori::sandbox
