// The ctest fixture PgServer: `pg_server start STATE` starts a PostgreSQL server for the suites'
// PostgreSQL runs (tests/support/postgres_server.hpp) in a fresh folder under the system's temp
// folder (the unprivileged user it runs as may not reach the build folder), and writes its URL to
// STATE/url and that folder to STATE/folder; `pg_server stop STATE` stops it and removes both.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/postgres_server.hpp"

namespace fs = std::filesystem;

namespace {

void stop(const fs::path& state) {
  std::string folder;
  if (std::ifstream(state / "folder") >> folder; !folder.empty()) {
    zkr::testing::stop_postgres_in(folder);
    std::error_code ec;
    fs::remove_all(folder, ec);
  }
  std::error_code ec;
  fs::remove_all(state, ec);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::string(argv[1]) != "start" && std::string(argv[1]) != "stop")) {
    std::fprintf(stderr, "usage: pg_server start|stop STATE_DIR\n");
    return 2;
  }
  const fs::path state = argv[2];
  stop(state);  // a server left by an interrupted run, or the one to stop
  if (std::string(argv[1]) == "stop") {
    std::printf("pg_server: stopped\n");
    return 0;
  }
  std::string folder = (fs::temp_directory_path() / "zkrouter-pg-XXXXXX").string();
  if (::mkdtemp(folder.data()) == nullptr) {
    std::perror("pg_server: mkdtemp");
    return 1;
  }
  fs::create_directories(state);
  std::ofstream(state / "folder") << folder << "\n";
  auto server = zkr::testing::PostgresServer::start(folder);
  if (!server.ok()) {
    std::fprintf(stderr, "pg_server: %s\n", std::string(server.status().message()).c_str());
    return 1;
  }
  std::ofstream(state / "url") << server->url() << "\n";
  std::printf("pg_server: PostgreSQL 15 at %s (folder %s)\n", server->url().c_str(),
              folder.c_str());
  server->release();  // left running for the tests: the fixture's cleanup stops it
  return 0;
}
