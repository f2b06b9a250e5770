-- wrk script: one CodePipeline operation over AWS JSON 1.1 with the headers an
-- AWS SDK sends (a SigV4 Authorization of the right form, which sluice under
-- --auth off and moto do not verify). Configured through the environment:
--   BENCH_TARGET  the operation, e.g. GetPipeline
--   BENCH_BODY    the JSON body; "{n}" in it becomes a counter unique to this
--                 run (BENCH_RUN_ID prefix), so that CreatePipeline makes a
--                 new pipeline per request
--   BENCH_AUTHORIZATION, BENCH_AMZ_DATE, BENCH_HOST (optional, together)
--                 a request signed for real, replayed as it is: its
--                 Authorization, X-Amz-Date and the Host it was signed for
--                 (Content-Type, X-Amz-Target and the body are this script's)
-- At the end it prints one JSON line: requests, seconds, errors, p50 and p99
-- latency in microseconds.
local target = os.getenv("BENCH_TARGET")
local body = os.getenv("BENCH_BODY") or "{}"
local run_id = os.getenv("BENCH_RUN_ID") or "r"
local templated = body:find("{n}", 1, true) ~= nil
local counter = 0

wrk.method = "POST"
wrk.path = "/"
wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
wrk.headers["X-Amz-Target"] = "CodePipeline_20150709." .. target
wrk.headers["X-Amz-Date"] = "20261202T000000Z"
wrk.headers["User-Agent"] = "aws-cli/1.29.0 Python/3.11.7 Linux botocore/1.31.0"
wrk.headers["Authorization"] =
  "AWS4-HMAC-SHA256 Credential=123456789012/20261202/us-east-1/codepipeline/aws4_request, " ..
  "SignedHeaders=content-type;host;x-amz-date;x-amz-target, " ..
  "Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
wrk.body = body
if os.getenv("BENCH_AUTHORIZATION") then
  wrk.headers["Authorization"] = os.getenv("BENCH_AUTHORIZATION")
  wrk.headers["X-Amz-Date"] = os.getenv("BENCH_AMZ_DATE")
  wrk.headers["Host"] = os.getenv("BENCH_HOST")
end

function request()
  if not templated then
    return wrk.format()
  end
  counter = counter + 1
  local unique = body:gsub("{n}", run_id .. "-" .. counter)
  return wrk.format(nil, nil, nil, unique)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.6f, "errors": %d, "non2xx": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration / 1e6,
    e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
