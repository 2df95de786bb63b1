// TlsLibraryFinder: maps lines, the file-name rule, path choice on a fake /proc tree (other
// mount namespaces, deleted files, vanished processes), and the real /proc of a running
// openssl s_server and gnutls-cli. No root needed.
#include "dns/doh/TlsLibraryFinder.h"

#include "TlsPeers.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <elf.h>
#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace mamori::dns {
namespace {

using Kind = FoundLibrary::Kind;
using test::TempDir;

struct FileIdentity {
    dev_t device = 0;
    ino_t inode = 0;
};

FileIdentity identity(const std::filesystem::path& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return {st.st_dev, st.st_ino};
}

void writeFile(const std::filesystem::path& path, const std::string& text) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
}

// A maps line for `mapped`, naming the file the way the process would.
std::string mapsLine(std::uintptr_t start, std::uintptr_t end, const FileIdentity& file,
                     const std::string& mapped, std::string_view permissions = "r-xp") {
    std::array<char, 128> head{};
    std::snprintf(head.data(), head.size(), "%lx-%lx %.*s 00000000 %02x:%02x %lu", start, end,
                  static_cast<int>(permissions.size()), permissions.data(), major(file.device),
                  minor(file.device), static_cast<unsigned long>(file.inode));
    return std::string(head.data()) + "                          " + mapped + "\n";
}

void writeAuxv(const std::filesystem::path& path, unsigned long base) {
    std::filesystem::create_directories(path.parent_path());
    const std::array<unsigned long, 6> auxv{AT_PAGESZ, 4096, AT_BASE, base, AT_NULL, 0};
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(auxv.data()), sizeof(auxv));
}

const FoundLibrary* find(const std::vector<FoundLibrary>& found, Kind kind) {
    const auto it = std::find_if(found.begin(), found.end(),
                                 [kind](const FoundLibrary& l) { return l.kind == kind; });
    return it == found.end() ? nullptr : &*it;
}

TEST(TlsLibraryFinderTest, ParsesMapsLines) {
    const auto entry = TlsLibraryFinder::parseMapsLine(
        "7f1c2a400000-7f1c2a4a1000 r-xp 00023000 fd:01 1835122                    "
        "/usr/lib/x86_64-linux-gnu/libssl.so.3");
    ASSERT_TRUE(entry);
    EXPECT_EQ(entry->start, 0x7f1c2a400000U);
    EXPECT_EQ(entry->end, 0x7f1c2a4a1000U);
    EXPECT_EQ(entry->permissions, "r-xp");
    EXPECT_EQ(entry->offset, 0x23000U);
    EXPECT_EQ(entry->device, makedev(0xfd, 0x01));
    EXPECT_EQ(entry->inode, 1835122U);
    EXPECT_EQ(entry->path, "/usr/lib/x86_64-linux-gnu/libssl.so.3");
    EXPECT_FALSE(entry->deleted);

    const auto deleted = TlsLibraryFinder::parseMapsLine(
        "7f00-7f10 r-xp 00000000 103:02 42 /opt/my app/libgnutls.so.30 (deleted)");
    ASSERT_TRUE(deleted);
    EXPECT_EQ(deleted->device, makedev(0x103, 0x02));
    EXPECT_EQ(deleted->path, "/opt/my app/libgnutls.so.30");
    EXPECT_TRUE(deleted->deleted);

    const auto anonymous = TlsLibraryFinder::parseMapsLine("7f00-7f10 rw-p 00000000 00:00 0 ");
    ASSERT_TRUE(anonymous);
    EXPECT_EQ(anonymous->inode, 0U);
    EXPECT_TRUE(anonymous->path.empty());

    for (const char* bad :
         {"", "garbage", "7f00 r-xp 0 fd:01 1 /x", "7f00-zz r-xp 0 fd:01 1 /x",
          "7f00-7f10 r-xp 0 fd01 1 /x", "7f00-7f10 r-xp 0 fd:01 x1 /x", "7f00-7f10 r-xp 0 fd:01"}) {
        EXPECT_FALSE(TlsLibraryFinder::parseMapsLine(bad)) << bad;
    }
}

TEST(TlsLibraryFinderTest, KnowsTlsLibrariesByFileName) {
    EXPECT_EQ(TlsLibraryFinder::tlsLibraryKind("libssl.so.3"), Kind::OpenSsl);
    EXPECT_EQ(TlsLibraryFinder::tlsLibraryKind("libssl.so.1.1"), Kind::OpenSsl);
    EXPECT_EQ(TlsLibraryFinder::tlsLibraryKind("libssl.so"), Kind::OpenSsl);
    EXPECT_EQ(TlsLibraryFinder::tlsLibraryKind("libgnutls.so.30"), Kind::GnuTls);
    EXPECT_EQ(TlsLibraryFinder::tlsLibraryKind("libgnutls.so.30.34.3"), Kind::GnuTls);
    // NSS's libssl3.so, GnuTLS's OpenSSL shim and C++ binding, libcrypto: other APIs.
    for (const char* other :
         {"libssl3.so", "libgnutls-openssl.so.27", "libgnutlsxx.so.30", "libgnutls-dane.so.0",
          "libcrypto.so.3", "libssl.so3", "libssl", "xlibssl.so.3", ""}) {
        EXPECT_FALSE(TlsLibraryFinder::tlsLibraryKind(other)) << other;
    }
}

class FakeProcTest : public ::testing::Test {
protected:
    std::filesystem::path proc() const { return root_.path() / "proc"; }
    std::filesystem::path files() const { return root_.path() / "files"; }

    TempDir root_;
};

TEST_F(FakeProcTest, FindsLibrariesAndTheLoaderWhereThisProcessCanOpenThem) {
    const auto ssl = files() / "lib" / "libssl.so.3";
    const auto loader = files() / "lib" / "ld-linux-x86-64.so.2";
    const auto other = files() / "lib" / "libc.so.6";
    for (const auto& file : {ssl, loader, other}) {
        writeFile(file, "ELF");
    }
    writeFile(proc() / "100" / "maps",
              mapsLine(0x1000, 0x2000, identity(other), other.string()) +
                  mapsLine(0x3000, 0x4000, identity(ssl), ssl.string(), "r--p") +
                  mapsLine(0x4000, 0x5000, identity(ssl), ssl.string()) +
                  mapsLine(0x7000, 0x8000, identity(loader), loader.string(), "r--p") +
                  mapsLine(0x8000, 0x9000, identity(loader), loader.string()) +
                  "7ffd0000-7ffd1000 rw-p 00000000 00:00 0                          [stack]\n");
    writeAuxv(proc() / "100" / "auxv", 0x7000);

    const auto found = TlsLibraryFinder(proc()).inProcess(100);
    ASSERT_EQ(found.size(), 2U);
    const auto* openssl = find(found, Kind::OpenSsl);
    ASSERT_NE(openssl, nullptr);
    EXPECT_EQ(openssl->path, ssl);
    EXPECT_EQ(openssl->mappedPath, ssl.string());
    EXPECT_EQ(openssl->inode, identity(ssl).inode);
    EXPECT_EQ(openssl->pid, 100);
    const auto* ld = find(found, Kind::DynamicLoader);
    ASSERT_NE(ld, nullptr);
    EXPECT_EQ(ld->path, loader);
}

TEST_F(FakeProcTest, ReachesOtherMountNamespacesThroughTheProcessRoot) {
    // The process sees /usr/lib/... in its own mount namespace; here that path is another
    // file (or none), so the library must be opened through /proc/<pid>/root.
    const std::string mapped = "/mamori-test-absent/usr/lib/libgnutls.so.30";
    const auto inRoot = proc() / "200" / "root" / "mamori-test-absent/usr/lib/libgnutls.so.30";
    writeFile(inRoot, "ELF");
    writeFile(proc() / "200" / "maps", mapsLine(0x1000, 0x2000, identity(inRoot), mapped));

    const auto found = TlsLibraryFinder(proc()).inProcess(200);
    ASSERT_EQ(found.size(), 1U);
    EXPECT_EQ(found[0].kind, Kind::GnuTls);
    EXPECT_EQ(found[0].path, inRoot);
    EXPECT_EQ(found[0].mappedPath, mapped);
}

TEST_F(FakeProcTest, ReachesDeletedFilesThroughMapFiles) {
    // A package upgrade replaced the library under a running process: maps says "(deleted)",
    // the path now names the new file, map_files still reaches the old one.
    const auto oldFile = files() / "old-libssl.so.3";
    const auto newFile = files() / "lib" / "libssl.so.3";
    writeFile(oldFile, "old");
    writeFile(newFile, "new");
    writeFile(proc() / "300" / "maps",
              mapsLine(0xa000, 0xb000, identity(oldFile), newFile.string() + " (deleted)"));
    std::filesystem::create_directories(proc() / "300" / "map_files");
    std::filesystem::create_symlink(oldFile, proc() / "300" / "map_files" / "a000-b000");

    const auto found = TlsLibraryFinder(proc()).inProcess(300);
    ASSERT_EQ(found.size(), 1U);
    EXPECT_EQ(found[0].path, proc() / "300" / "map_files" / "a000-b000");
    EXPECT_EQ(found[0].inode, identity(oldFile).inode);
}

TEST_F(FakeProcTest, SkipsFilesNoPathReaches) {
    // The path names another file now and there is no map_files entry: attaching to the path
    // would probe the wrong library.
    const auto replaced = files() / "lib" / "libssl.so.3";
    const auto gone = files() / "gone.so";
    writeFile(replaced, "new");
    writeFile(gone, "old");
    const auto goneIdentity = identity(gone);
    std::filesystem::remove(gone);
    writeFile(proc() / "400" / "maps", mapsLine(0x1000, 0x2000, goneIdentity, replaced.string()));

    EXPECT_TRUE(TlsLibraryFinder(proc()).inProcess(400).empty());
}

TEST_F(FakeProcTest, VanishedProcessesFindNothing) {
    EXPECT_TRUE(TlsLibraryFinder(proc()).inProcess(12345).empty());
    EXPECT_TRUE(TlsLibraryFinder(root_.path() / "no-proc").inAllProcesses().empty());
}

TEST_F(FakeProcTest, ReportsAFileMappedByManyProcessesOnce) {
    const auto ssl = files() / "libssl.so.3";
    writeFile(ssl, "ELF");
    for (const char* pid : {"501", "502", "503"}) {
        writeFile(proc() / pid / "maps", mapsLine(0x1000, 0x2000, identity(ssl), ssl.string()));
    }
    writeFile(proc() / "self" / "maps", mapsLine(0x1000, 0x2000, identity(ssl), ssl.string()));

    const auto found = TlsLibraryFinder(proc()).inAllProcesses();
    ASSERT_EQ(found.size(), 1U);
    EXPECT_EQ(found[0].path, ssl);
}

// A running `openssl s_server` maps libssl.so.3, like curl does while it runs.
TEST(TlsLibraryFinderRealTest, FindsLibsslAndTheLoaderOfARunningOpensslServer) {
    test::TlsServer server(test::TlsServer::Mode::StatusPage);
    if (!server.ready()) {
        GTEST_SKIP() << "openssl s_server did not start (is the openssl tool installed?)";
    }
    const auto found = TlsLibraryFinder().inProcess(server.pid());
    const auto* openssl = find(found, Kind::OpenSsl);
    ASSERT_NE(openssl, nullptr);
    EXPECT_TRUE(openssl->mappedPath.find("libssl.so.3") != std::string::npos)
        << openssl->mappedPath;
    EXPECT_EQ(identity(openssl->path).inode, openssl->inode);
    EXPECT_EQ(openssl->pid, server.pid());
    const auto* loader = find(found, Kind::DynamicLoader);
    ASSERT_NE(loader, nullptr);
    EXPECT_TRUE(loader->mappedPath.find("ld-") != std::string::npos) << loader->mappedPath;

    // Mapped by the server and any other process using OpenSSL: reported once.
    const auto all = TlsLibraryFinder().inAllProcesses();
    EXPECT_EQ(std::count_if(all.begin(), all.end(),
                            [&](const FoundLibrary& l) {
                                return l.device == openssl->device && l.inode == openssl->inode;
                            }),
              1);
}

TEST(TlsLibraryFinderRealTest, FindsLibgnutlsInARunningGnutlsCli) {
    test::TlsServer server(test::TlsServer::Mode::Echo);
    if (!server.ready()) {
        GTEST_SKIP() << "openssl s_server did not start (is the openssl tool installed?)";
    }
    test::Child::Options options;
    options.stdinPipe = true; // it stays connected while its stdin is open
    test::Child client(
        {"gnutls-cli", "--insecure", "-p", std::to_string(server.port()), "127.0.0.1"}, options);
    std::vector<FoundLibrary> found;
    for (int attempt = 0; attempt < 200 && !find(found, Kind::GnuTls); ++attempt) {
        if (client.wait(std::chrono::milliseconds(20))) {
            GTEST_SKIP() << "gnutls-cli did not run (package gnutls-bin)";
        }
        found = TlsLibraryFinder().inProcess(client.pid());
    }
    const auto* gnutls = find(found, Kind::GnuTls);
    ASSERT_NE(gnutls, nullptr);
    EXPECT_TRUE(gnutls->mappedPath.find("libgnutls.so.30") != std::string::npos)
        << gnutls->mappedPath;
    EXPECT_EQ(gnutls->pid, client.pid());
}

} // namespace
} // namespace mamori::dns
