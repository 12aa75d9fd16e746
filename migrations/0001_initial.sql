-- zkrouter schema, version 1.
-- Integers are SQLite INTEGER (64-bit); hashes and addresses are BLOBs of 32 / 20 bytes.
-- No index is keyed on random values (transaction hashes, sender addresses): random inserts into a
-- B-tree dirty a page per row and cut ingestion several-fold. Those lookups use an in-memory index
-- that the router rebuilds from the logs table at start.

-- Chains known to the router. settlement_layer is the current one; chain_migrations has the history.
CREATE TABLE chains (
  chain_id         INTEGER PRIMARY KEY,
  settlement_layer TEXT    NOT NULL CHECK (settlement_layer IN ('l1', 'gateway')),
  credential_hash  BLOB    NOT NULL,           -- SHA-256 of the operator credential
  prover_key       BLOB,                       -- chain's prover public key, if any
  registered_seq   INTEGER NOT NULL            -- event that registered it
);

-- Settlement layer per batch range: a row applies from first_batch until the next row.
CREATE TABLE chain_migrations (
  chain_id         INTEGER NOT NULL REFERENCES chains(chain_id),
  first_batch      INTEGER NOT NULL,
  settlement_layer TEXT    NOT NULL CHECK (settlement_layer IN ('l1', 'gateway')),
  event_seq        INTEGER NOT NULL,
  PRIMARY KEY (chain_id, first_batch)
) WITHOUT ROWID;

-- The Gateway's shared tree: chain index = registration order. Index 0 is the Gateway itself.
CREATE TABLE gateway_chains (
  chain_index      INTEGER PRIMARY KEY,
  chain_id         INTEGER NOT NULL UNIQUE,
  registered_block INTEGER NOT NULL            -- the open Gateway block at registration
);

-- One row per sealed chain batch, with its roots as recomputed at ingestion.
CREATE TABLE batches (
  chain_id          INTEGER NOT NULL REFERENCES chains(chain_id),
  batch_number      INTEGER NOT NULL,
  protocol_version  INTEGER NOT NULL,
  settlement_layer  TEXT    NOT NULL CHECK (settlement_layer IN ('l1', 'gateway')),
  log_count         INTEGER NOT NULL,
  local_root        BLOB    NOT NULL,
  aggregated_root   BLOB    NOT NULL,
  chain_batch_root  BLOB    NOT NULL,
  content_hash      BLOB    NOT NULL,          -- keccak of the canonical batch encoding
  stage             INTEGER NOT NULL,          -- 0 recorded, 1 committed, 2 proven, 3 executed
  validity_proof    BLOB,
  executed_block    INTEGER,                   -- Gateway block of execution (Gateway batches)
  chain_tree_index  INTEGER,                   -- leaf index in the chain's Gateway tree
  execution_seq     INTEGER,                   -- event seq of the execution (orders replays)
  PRIMARY KEY (chain_id, batch_number)
) WITHOUT ROWID;
CREATE INDEX batches_by_block ON batches(executed_block) WHERE executed_block IS NOT NULL;

-- Every L2->L1 log of every batch, in batch order. Messenger logs carry their message body.
CREATE TABLE logs (
  chain_id             INTEGER NOT NULL,
  batch_number         INTEGER NOT NULL,
  log_index            INTEGER NOT NULL,       -- leaf index in the batch's log tree
  tx_hash              BLOB    NOT NULL,
  packed               BLOB    NOT NULL,       -- the 88-byte log
  kind                 INTEGER NOT NULL,       -- 0 log, 1 message, 2 interop bundle
  sender               BLOB,                   -- messages: the caller of sendToL1
  body                 BLOB,                   -- messages: the message bytes
  destination_chain_id INTEGER,                -- bundles: decoded destination
  recorded_seq         INTEGER NOT NULL,       -- event that recorded it
  PRIMARY KEY (chain_id, batch_number, log_index)
) WITHOUT ROWID;
CREATE INDEX logs_by_destination ON logs(destination_chain_id) WHERE destination_chain_id IS NOT NULL;

-- Gateway blocks with their shared root (historicalRoot, the interop root).
CREATE TABLE gateway_blocks (
  number      INTEGER PRIMARY KEY,
  shared_root BLOB    NOT NULL,
  chain_count INTEGER NOT NULL,
  sealed_at   INTEGER NOT NULL,                -- unix milliseconds
  event_seq   INTEGER NOT NULL
);

-- Gateway batches: a run of blocks, root H(localRoot, sharedRoot at the end of its last block).
CREATE TABLE gateway_batches (
  number      INTEGER PRIMARY KEY,
  first_block INTEGER NOT NULL,
  last_block  INTEGER NOT NULL,
  local_root  BLOB    NOT NULL,
  shared_root BLOB    NOT NULL,
  batch_root  BLOB    NOT NULL,
  sealed_at   INTEGER NOT NULL,
  event_seq   INTEGER NOT NULL
);

-- The event log: a gapless global sequence, written in the transaction of the change it records.
CREATE TABLE events (
  seq          INTEGER PRIMARY KEY,
  kind         INTEGER NOT NULL,
  chain_id     INTEGER,
  batch_number INTEGER,
  log_index    INTEGER,
  block_number INTEGER,                        -- Gateway block
  gw_batch     INTEGER,                        -- Gateway batch
  created_at   INTEGER NOT NULL,               -- unix milliseconds
  detail       TEXT                            -- JSON with kind-specific fields
);
CREATE INDEX events_by_batch ON events(chain_id, batch_number) WHERE log_index IS NULL;
CREATE INDEX events_by_gw_batch ON events(gw_batch) WHERE gw_batch IS NOT NULL;
CREATE INDEX events_by_block ON events(block_number) WHERE block_number IS NOT NULL;

-- Settings fixed when the database is created (Gateway chain id, first block number).
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
