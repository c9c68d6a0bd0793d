// Store: the durable state of the service, the aggregate of the small store interfaces
// that each layer asks for by need (LevelDB's DB/Env in spirit): AccountStore (users, API
// keys, sessions), ZoneStore, CertificateStore (certificates with their events), JobQueue
// (jobs, claiming, leases, wake-ups and the sweep), AcmeAccountStore and MasterKeyRecord
// (the master key's fingerprint). One backend object
// implements all of them: SQLite (embedded default) and PostgreSQL adapters, and an
// in-memory one for tests. Only app/ wires a Store; everything else takes the interfaces
// it uses. Tenant data is always read with its owner; the only reads by id alone are the
// worker's (ClaimJob and the *ForWorker methods). Every method is atomic; implementations
// are thread-safe and safe to share between processes (jobs are claimed with leases, so
// several certadns nodes behave like several threads).
#pragma once

#include "store/account_store.h"
#include "store/acme_account_store.h"
#include "store/certificate_store.h"
#include "store/job_queue.h"
#include "store/master_key_record.h"
#include "store/records.h"
#include "store/zone_store.h"

namespace certadns::store {

class Store : public AccountStore,
              public ZoneStore,
              public CertificateStore,
              public JobQueue,
              public AcmeAccountStore,
              public MasterKeyRecord {
 public:
  ~Store() override = default;
};

}  // namespace certadns::store
