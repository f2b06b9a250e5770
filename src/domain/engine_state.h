// The execution engine's private state: what it keeps per execution and per
// pipeline. Shared by the engine's source files (execution_engine*.cpp) and
// nothing else.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "sluice/domain/execution_engine.h"
#include "sluice/domain/source_revisions.h"
#include "sluice/domain/variable_resolver.h"

namespace sluice::domain {

// One execution and what only a running execution needs.
struct ExecutionEngine::Run {
  PipelineExecution execution;
  Scope scope;
  // Released when the execution ends for good; a failed or stopped one keeps
  // it, as a retry resumes it.
  std::shared_ptr<const PipelineView> view;
  VariableScope variables;                   // namespaces visible to the next actions
  std::map<std::string, SourceOutcome> sources;             // by source action name
  std::map<std::string, ArtifactLocation> artifacts;        // produced so far, by name
  bool cancel_when_idle = false;  // cancel once the actions in progress finish
  std::vector<std::string> jobs;  // ids of the jobs made for its actions
  // A rollback runs this one stage and ends.
  std::optional<std::size_t> only_stage;

  bool active() const { return !IsFinished(execution.status); }
  // Where the named artifacts are, as far as this run has produced them (a
  // name not produced yet has no location).
  std::vector<ArtifactLocation> Locations(const std::vector<std::string>& names) const {
    std::vector<ArtifactLocation> locations;
    for (const std::string& name : names) {
      const auto it = artifacts.find(name);
      locations.push_back(it != artifacts.end() ? it->second : ArtifactLocation{name, {}, {}});
    }
    return locations;
  }
  const StageView& Stage(std::size_t index) const { return view->stages[index]; }
};

struct ExecutionEngine::PipelineRuntime {
  Scope scope;
  std::deque<std::unique_ptr<Run>> runs;  // every retained run, in start order
  // The runs still in progress, in start order: all the engine's work is on
  // these, so its cost follows the executions in flight, not those retained.
  std::vector<Run*> active;
  std::unordered_map<std::string, Run*> by_id;
  std::size_t finished = 0;
  // SUPERSEDED and QUEUED: the execution holding each stage, by stage name.
  std::map<std::string, std::string, std::less<>> holders;
  std::map<std::string, std::string, std::less<>> tokens;  // clientRequestToken -> id
  std::uint64_t next_sequence = 1;
  // Disabled transitions, by stage name.
  std::map<std::string, TransitionBlock, std::less<>> inbound_blocks;
  std::map<std::string, TransitionBlock, std::less<>> outbound_blocks;

  Run* Find(std::string_view id) const {
    const auto it = by_id.find(std::string(id));
    return it == by_id.end() ? nullptr : it->second;
  }
};

std::string RuntimeKey(const Scope& scope, std::string_view pipeline);


}  // namespace sluice::domain
