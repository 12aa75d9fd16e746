-- zkrouter schema, version 4: why the settlement contract refused an L1 transaction, in its own
-- words (its named error, e.g. "OutOfOrder(2, 1)"), for transactions in state 'reverted'.
ALTER TABLE l1_transactions ADD COLUMN revert_reason TEXT;
