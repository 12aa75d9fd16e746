-- zkrouter schema, version 2: proof aggregation and L1 submission.

-- The aggregated proof of each Gateway batch, exactly as L1 receives it in proveBatches
-- (docs/settlement.md): the covered chain-batch commitments, their Merkle root and the Gateway's
-- signature.
CREATE TABLE gateway_batch_proofs (
  gw_batch      INTEGER PRIMARY KEY REFERENCES gateway_batches(number),
  covered_count INTEGER NOT NULL,
  proof         BLOB    NOT NULL
);

-- How far each Gateway batch has got on L1: 0 sealed, 1 committed, 2 proven, 3 executed, 4 final.
-- A reorg can lower it; every change has an event.
ALTER TABLE gateway_batches ADD COLUMN l1_stage INTEGER NOT NULL DEFAULT 0;

-- Every L1 transaction the submitter signed, written before it is sent. A fee bump is a new row
-- with the same nonce; the row it replaces becomes 'replaced'.
CREATE TABLE l1_transactions (
  id                       INTEGER PRIMARY KEY,
  action                   TEXT    NOT NULL CHECK (action IN ('commit', 'prove', 'execute')),
  first_batch              INTEGER NOT NULL,   -- Gateway batches processFrom..processTo
  last_batch               INTEGER NOT NULL,
  nonce                    INTEGER NOT NULL,
  attempt                  INTEGER NOT NULL,   -- 0 for the first send, then one per fee bump
  tx_hash                  BLOB    NOT NULL,
  raw                      BLOB    NOT NULL,   -- the signed transaction, resent verbatim
  max_fee_per_gas          INTEGER NOT NULL,
  max_priority_fee_per_gas INTEGER NOT NULL,
  gas_limit                INTEGER NOT NULL,
  state                    TEXT    NOT NULL
                           CHECK (state IN ('pending', 'included', 'final', 'replaced', 'reverted')),
  block_number             INTEGER,
  block_hash               BLOB,
  gas_used                 INTEGER,
  sent_at                  INTEGER NOT NULL    -- unix milliseconds of the latest (re)send
);
CREATE INDEX l1_transactions_open ON l1_transactions(state) WHERE state IN ('pending', 'included');
