// Works on an engine forever, printing "ACK …" after every write that committed. The crash test
// kills it with SIGKILL at random points and checks what survived. Usage: crash_child DB SEED
// Batch contents depend only on (chain, batch), so a restarted child resubmits identical batches.

#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/support/crash_plan.hpp"
#include "tests/support/engine_fixtures.hpp"

namespace {

void ack(const std::string& line) {
  const std::string out = line + "\n";
  if (::write(1, out.data(), out.size()) < 0) std::_Exit(3);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace zkr;
  if (argc != 3) return 2;
  auto engine = testing::open_engine(argv[1], 1);
  for (const std::uint64_t chain : testing::kCrashChains) {
    if (!engine->chain(chain)) {
      const auto layer = chain == testing::kCrashL1Chain ? settlement::SettlementLayer::kL1
                                                         : settlement::SettlementLayer::kGateway;
      if (!engine->register_chain(testing::registration_for(chain, layer)).ok()) return 4;
    }
  }
  std::mt19937_64 rng(std::stoull(argv[2]));
  for (;;) {
    const std::uint64_t chain = testing::kCrashChains[rng() % testing::kCrashChains.size()];
    const settlement::ChainInfo info = *engine->chain(chain);
    switch (rng() % 6) {
      case 0:
      case 1: {
        const std::uint64_t b = info.last_recorded + 1;
        const auto r = engine->ingest(testing::crash_batch(chain, b));
        if (!r.ok()) return 5;
        ack(absl::StrCat("ACK ingest ", chain, " ", b, " ", merkle::to_hex(r->chain_batch_root)));
        break;
      }
      case 2:
      case 3: {
        const std::uint64_t b = info.last_executed + 1;
        if (b > info.last_recorded) break;
        if (info.last_committed < b && engine->commit_batch(chain, b).ok())
          ack(absl::StrCat("ACK committed ", chain, " ", b));
        if (info.last_proven < b &&
            engine->prove_batch(chain, b, testing::validity_proof(*engine, chain, b)).ok()) {
          ack(absl::StrCat("ACK proven ", chain, " ", b));
        }
        if (engine->execute_batch(chain, b).ok()) ack(absl::StrCat("ACK executed ", chain, " ", b));
        break;
      }
      case 4: {
        const auto n = engine->seal_block();
        if (!n.ok()) return 6;
        ack(absl::StrCat("ACK block ", *n, " ", merkle::to_hex(*engine->interop_root(*n))));
        break;
      }
      default: {
        if (engine->unbatched_blocks() == 0) break;
        const auto g = engine->seal_gateway_batch();
        if (!g.ok()) return 7;
        ack(absl::StrCat("ACK gwbatch ", g->number, " ", merkle::to_hex(g->batch_root)));
        break;
      }
    }
  }
}
