// RecoveredState: applying journal records to a state document; see the header.
#include "persist/recovered_state.h"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <utility>

namespace sluice::persist {

using nlohmann::json;

namespace {

std::string ScopedKey(const json& scope, const std::string& name) {
  return PipelineKey(scope.at("account_id").get<std::string>(),
                     scope.at("region").get<std::string>(), name);
}

}  // namespace

std::string PipelineKey(const std::string& account, const std::string& region,
                        const std::string& name) {
  return account + "/" + region + "/" + name;
}

RecoveredState::RecoveredState(json document) { Reset(std::move(document)); }

void RecoveredState::Reset(json document) {
  pipelines_.clear();
  runtimes_.clear();
  jobs_.clear();
  for (json& entry : document.at("pipelines")) {
    const std::string key = ScopedKey(entry.at("scope"), entry.at("summary").at("name").get<std::string>());
    pipelines_[key] = std::move(entry);
  }
  json& engine = document.at("engine");
  for (json& entry : engine.at("pipelines")) {
    const std::string key = ScopedKey(entry.at("scope"), entry.at("pipeline").get<std::string>());
    Runtime& runtime = runtimes_[key];
    for (json& run : entry.at("runs")) {
      std::string id = run.at("id").get<std::string>();
      runtime.runs[std::move(id)] = std::move(run);
    }
    entry.erase("runs");
    entry.erase("tokens");
    runtime.header = std::move(entry);
  }
  for (json& job : engine.at("jobs")) {
    std::string id = job.at("id").get<std::string>();
    jobs_[std::move(id)] = std::move(job);
  }
  next_job_sequence_ = engine.at("next_job_sequence").get<std::uint64_t>();
  document.erase("pipelines");
  document.erase("engine");
  document.erase("events");  // not kept: a restart starts its events afresh
  base_ = std::move(document);
}

void RecoveredState::Apply(std::uint8_t type, const json& record) {
  if (type == kDocumentRecord) {
    Reset(record);
    return;
  }
  if (type != kChangesRecord) {
    throw std::invalid_argument("a record of unknown type " + std::to_string(type));
  }
  if (const auto globals = record.find("g"); globals != record.end()) ApplyGlobals(*globals);
  if (const auto changed = record.find("p"); changed != record.end()) {
    for (const json& item : *changed) {
      const std::string key = PipelineKey(item.at("a").get<std::string>(), item.at("r").get<std::string>(),
                                          item.at("n").get<std::string>());
      // Each part only when it changed.
      if (const auto pipeline = item.find("pipeline"); pipeline != item.end()) {
        if (pipeline->is_null()) {
          pipelines_.erase(key);
        } else {
          pipelines_[key] = *pipeline;
        }
      }
      if (const auto runtime = item.find("runtime"); runtime != item.end()) ApplyRuntime(key, *runtime);
    }
  }
  if (const auto sections = record.find("x"); sections != record.end()) {
    for (const auto& [name, value] : sections->items()) {
      if (!base_.contains(name)) throw std::invalid_argument("a record names no section " + name);
      base_[name] = value;
    }
  }
}

void RecoveredState::ApplyGlobals(const json& globals) {
  base_["clock"] = globals.at("clock");
  base_["ids"] = globals.at("ids");
  next_job_sequence_ = globals.at("next_job_sequence").get<std::uint64_t>();
}

void RecoveredState::ApplyRuntime(const std::string& key, const json& entry) {
  if (entry.is_null()) {
    runtimes_.erase(key);
    return;
  }
  Runtime& runtime = runtimes_[key];
  // The first record of a runtime: what a pipeline of that name had before
  // was deleted with it.
  if (entry.at("fresh").get<bool>()) runtime.runs.clear();
  for (const json& run : entry.at("runs")) runtime.runs[run.at("id").get<std::string>()] = run;
  for (const json& job : entry.at("jobs")) jobs_[job.at("id").get<std::string>()] = job;
  for (const json& id : entry.at("retired")) runtime.runs.erase(id.get<std::string>());
  json header = entry;
  for (const char* member : {"runs", "jobs", "retired", "fresh"}) header.erase(member);
  runtime.header = std::move(header);
}

std::size_t RecoveredState::executions() const {
  std::size_t count = 0;
  for (const auto& [key, runtime] : runtimes_) count += runtime.runs.size();
  return count;
}

json RecoveredState::TakeDocument(Repairs& repairs) {
  json document = std::move(base_);
  json runtimes = json::array();
  std::set<std::string> kept_jobs;
  for (auto& [key, runtime] : runtimes_) {
    const auto pipeline = pipelines_.find(key);
    if (pipeline == pipelines_.end()) {
      ++repairs.runtimes;
      continue;
    }
    const auto versions = pipeline->second.at("versions").size();
    json entry = std::move(runtime.header);
    // In start order, as the engine keeps them.
    std::vector<std::pair<std::uint64_t, json*>> ordered;
    ordered.reserve(runtime.runs.size());
    for (auto& [id, run] : runtime.runs) ordered.emplace_back(run.at("sequence").get<std::uint64_t>(), &run);
    std::sort(ordered.begin(), ordered.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    json runs = json::array();
    json tokens = json::object();
    std::set<std::string> kept_runs;
    for (const auto& [sequence, run] : ordered) {
      if (run->at("version").get<std::size_t>() > versions) {
        ++repairs.runs;
        continue;
      }
      const json& extras = run->at("extras");
      if (!extras.is_null()) {
        for (const json& job : extras.at("jobs")) kept_jobs.insert(job.get<std::string>());
        const json& token = extras.at("client_request_token");
        if (!token.is_null()) tokens[token.get<std::string>()] = run->at("id");
      }
      kept_runs.insert(run->at("id").get<std::string>());
      runs.push_back(std::move(*run));
    }
    entry["tokens"] = std::move(tokens);
    // A stage held by a run not kept is free.
    json& holders = entry.at("holders");
    for (auto it = holders.begin(); it != holders.end();) {
      if (kept_runs.contains(it->get<std::string>())) {
        ++it;
      } else {
        it = holders.erase(it);
      }
    }
    entry["runs"] = std::move(runs);
    runtimes.push_back(std::move(entry));
  }
  json jobs = json::array();
  for (auto& [id, job] : jobs_) {
    // Jobs go with their runs: retired, or never written.
    if (kept_jobs.contains(id)) jobs.push_back(std::move(job));
  }
  // Last: the runtimes above read the declarations' versions.
  json pipelines = json::array();
  for (auto& [key, entry] : pipelines_) pipelines.push_back(std::move(entry));
  document["pipelines"] = std::move(pipelines);
  document["engine"] = {{"pipelines", std::move(runtimes)},
                        {"jobs", std::move(jobs)},
                        {"next_job_sequence", next_job_sequence_}};
  return document;
}

}  // namespace sluice::persist
