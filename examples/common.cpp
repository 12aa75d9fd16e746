#include "examples/common.hpp"

ABSL_FLAG(std::string, host, "127.0.0.1", "where zkrouter listens");
ABSL_FLAG(int, port, 8545, "zkrouter's API port");
