-- zkrouter schema, version 5: chains launch on L1.
-- A chain is registered on L1 and moves to the Gateway by an explicit migration, possibly before
-- its first batch: its history then holds two rows from batch 1 (L1, then the Gateway), ordered by
-- the event that made each. The history's key becomes the event.
CREATE TABLE chain_migrations_v5 (
  chain_id         INTEGER NOT NULL REFERENCES chains(chain_id),
  first_batch      INTEGER NOT NULL,
  settlement_layer TEXT    NOT NULL CHECK (settlement_layer IN ('l1', 'gateway')),
  event_seq        INTEGER NOT NULL,
  PRIMARY KEY (chain_id, event_seq)
) WITHOUT ROWID;
INSERT INTO chain_migrations_v5 SELECT chain_id, first_batch, settlement_layer, event_seq
  FROM chain_migrations;
DROP TABLE chain_migrations;
ALTER TABLE chain_migrations_v5 RENAME TO chain_migrations;

-- The chain's settlement contract on L1 (contracts/L1Settlement.sol), where the router watches
-- the executions of the batches it settles on L1 itself. NULL: not known, those batches stop at
-- batch_executed.
ALTER TABLE chains ADD COLUMN l1_contract BLOB;
