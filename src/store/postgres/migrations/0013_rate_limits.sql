-- What Let's Encrypt's rate limits count (store/rate_limit_ledger.h): the orders admitted,
-- with their name set (duplicate certificates) and registered domains (certificates per
-- registered domain), and the failed validations per hostname. Pruned past the longest
-- window. Times are Unix milliseconds.
CREATE TABLE rate_limit_orders (
  id TEXT PRIMARY KEY,
  certificate_id TEXT NOT NULL,
  acme_account TEXT NOT NULL,
  name_set TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX rate_limit_orders_account ON rate_limit_orders(acme_account, created_at);
CREATE INDEX rate_limit_orders_names ON rate_limit_orders(name_set, created_at);
CREATE TABLE rate_limit_order_domains (
  order_id TEXT NOT NULL,
  registered_domain TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (order_id, registered_domain)
);
CREATE INDEX rate_limit_order_domains_domain
  ON rate_limit_order_domains(registered_domain, created_at);
CREATE TABLE rate_limit_failed_validations (
  id TEXT PRIMARY KEY,
  hostname TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX rate_limit_failed_validations_host
  ON rate_limit_failed_validations(hostname, created_at);
