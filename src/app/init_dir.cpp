#include "init_dir.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "protocol/json_body.h"
#include "sluice/api/model.h"
#include "sluice/common/ids.h"
#include "sluice/protocol/error_mapper.h"

namespace sluice::app {

namespace {

namespace fs = std::filesystem;

ServiceError FileError(const fs::path& file, const std::string& what) {
  return ServiceError::Validation(file.filename().string() + ": " + what);
}

// Which operation a request body is for, by the members only it has.
const char* OperationFor(const nlohmann::json& body) {
  if (!body.is_object()) return nullptr;
  if (body.contains("pipeline")) return "CreatePipeline";
  if (body.contains("webhook")) return "PutWebhook";
  if (body.contains("category") && body.contains("provider")) return "CreateCustomActionType";
  return nullptr;
}

}  // namespace

Status ApplyInitDir(const std::string& dir, const api::OperationTable& operations,
                    const StateLoader& load_state, const std::string& account,
                    const std::string& region) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    return ServiceError::Validation(dir + " is not a directory");
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      files.push_back(entry.path());
    }
  }
  if (error) return ServiceError::Validation("cannot read " + dir + ": " + error.message());
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) return FileError(file, "cannot be read");
    auto body = protocol::ParseJsonBody(text.str());
    if (!body) return FileError(file, "is not valid JSON: " + body.error().message());
    if (body->is_object() && body->contains("format")) {
      if (auto refused = load_state(*body)) return FileError(file, *refused);
      continue;
    }
    const char* name = OperationFor(*body);
    if (name == nullptr) {
      return FileError(file,
                       "is not a CreatePipeline, CreateCustomActionType or PutWebhook request "
                       "body (the --cli-input-json form), nor a state document");
    }
    const model::Operation* operation = model::FindOperation(name);
    const api::CallContext context{RandomUuid(), account, region, {}, {}};
    auto applied = operations.Invoke(context, *operation, *body);
    if (!applied) {
      const auto wire = protocol::MapError(applied.error().code());
      return FileError(file, std::string(name) + " failed: " + std::string(wire.type) + ": " +
                                 applied.error().message());
    }
  }
  return Ok{};
}

}  // namespace sluice::app
