// Works on an engine forever, printing "ACK …" after every write that committed. The crash test
// kills it with SIGKILL at random points and checks what survived. Usage: crash_child DB SEED
// [PHASE]. With a PHASE (ingest, execute, block, gwbatch) the child kills itself: it prints
// "BEGIN PHASE" before each step of that phase and, in one step of three, arms a SIGKILL at a
// random write-type call of the store (1..16 calls ahead; a step makes 6 to 15), so it dies inside
// such a step; "END PHASE" follows a step it survived.
// Batch contents depend only on (chain, batch), so a restarted child resubmits identical batches.

#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/support/crash_plan.hpp"
#include "tests/support/engine_fixtures.hpp"
#include "tests/support/fault_vfs.hpp"

namespace {

void ack(const std::string& line) {
  const std::string out = line + "\n";
  if (::write(1, out.data(), out.size()) < 0) std::_Exit(3);
}

// Arms the kill around the steps of one phase.
class KillSwitch {
 public:
  KillSwitch(std::string phase, std::uint64_t seed) : phase_(std::move(phase)), rng_(seed) {
    if (!phase_.empty()) zkr::testing::faults::install();
  }
  void begin(std::string_view phase) {
    if (phase != phase_) return;
    ack("BEGIN " + phase_);
    // One step in three is armed, so the database grows between kills.
    if (rng_() % 3 == 0)
      zkr::testing::faults::arm(zkr::testing::faults::Fault::kKill, 1 + rng_() % 16);
  }
  void end(std::string_view phase) {
    if (phase != phase_) return;
    zkr::testing::faults::disarm();
    ack("END " + phase_);
  }

 private:
  std::string phase_;
  std::mt19937_64 rng_;
};

}  // namespace

int main(int argc, char** argv) {
  using namespace zkr;
  if (argc != 3 && argc != 4) return 2;
  KillSwitch kill_switch(argc == 4 ? argv[3] : "", std::stoull(argv[2]) + 1);
  auto engine = testing::open_engine(argv[1], 1);
  for (const std::uint64_t chain : testing::kCrashChains) {
    // Launched on L1; the Gateway's chains migrate before their first batch (a kill between the
    // two leaves a chain on L1 with no batch, migrated on the next start).
    if (!engine->chain(chain) && !engine->register_chain(testing::registration_for(chain)).ok())
      return 4;
    const settlement::ChainInfo launched = *engine->chain(chain);
    if (chain != testing::kCrashL1Chain && launched.history.size() == 1 &&
        launched.last_recorded == 0 &&
        !engine->migrate_chain(chain, settlement::SettlementLayer::kGateway).ok())
      return 4;
  }
  std::mt19937_64 rng(std::stoull(argv[2]));
  for (;;) {
    const std::uint64_t chain = testing::kCrashChains[rng() % testing::kCrashChains.size()];
    const settlement::ChainInfo info = *engine->chain(chain);
    switch (rng() % 6) {
      case 0:
      case 1: {
        const std::uint64_t b = info.last_recorded + 1;
        kill_switch.begin("ingest");
        const auto r = engine->ingest(testing::crash_batch(chain, b));
        kill_switch.end("ingest");
        if (!r.ok()) return 5;
        ack(absl::StrCat("ACK ingest ", chain, " ", b, " ", merkle::to_hex(r->chain_batch_root)));
        break;
      }
      case 2:
      case 3: {
        const std::uint64_t b = info.last_executed + 1;
        if (b > info.last_recorded) break;
        kill_switch.begin("execute");
        if (info.last_committed < b && engine->commit_batch(chain, b).ok())
          ack(absl::StrCat("ACK committed ", chain, " ", b));
        if (info.last_proven < b &&
            engine->prove_batch(chain, b, testing::validity_proof(*engine, chain, b)).ok()) {
          ack(absl::StrCat("ACK proven ", chain, " ", b));
        }
        const bool executed = engine->execute_batch(chain, b).ok();
        kill_switch.end("execute");
        if (executed) ack(absl::StrCat("ACK executed ", chain, " ", b));
        break;
      }
      case 4: {
        kill_switch.begin("block");
        const auto n = engine->seal_block();
        kill_switch.end("block");
        if (!n.ok()) return 6;
        ack(absl::StrCat("ACK block ", *n, " ", merkle::to_hex(*engine->interop_root(*n))));
        break;
      }
      default: {
        if (engine->unbatched_blocks() == 0) break;
        kill_switch.begin("gwbatch");
        const auto g = engine->seal_gateway_batch();
        kill_switch.end("gwbatch");
        if (!g.ok()) return 7;
        ack(absl::StrCat("ACK gwbatch ", g->number, " ", merkle::to_hex(g->batch_root)));
        break;
      }
    }
  }
}
