// The job worker operations, custom (PollForJobs, AcknowledgeJob,
// GetJobDetails, PutJobSuccessResult, PutJobFailureResult) and third-party
// (their ThirdParty counterparts, with client tokens), over the engine's jobs.
#pragma once

#include <string>

#include "sluice/api/operation_table.h"
#include "sluice/domain/registry/action_type_registry.h"
#include "sluice/domain/engine/execution_engine.h"

namespace sluice::api {

// A job's JobData (the same shape as ThirdPartyJobData).
std::string EncodeJobData(const domain::Job& job);

void RegisterJobOps(OperationTable& table, domain::ExecutionEngine& engine,
                    const domain::ActionTypeRegistry& action_types);

}  // namespace sluice::api
