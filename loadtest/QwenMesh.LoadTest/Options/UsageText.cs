namespace QwenMesh.LoadTest.Options;

/// <summary>The --help text.</summary>
public static class UsageText
{
    public const string Text = """
        usage: qwenmesh-load [options]

        Drives POST {url}/v1/chat/completions with concurrent streaming chats and reports TTFT,
        inter-token latency, end-to-end latency, throughput, errors and goodput per concurrency level.

          --url URL               server base URL (default http://127.0.0.1:8080)
          --model NAME            model to request (default: first model of GET {url}/v1/models)
          --concurrency LIST      comma-separated levels, one phase each (default 1)
          --requests N            requests per phase (default 32)
          --max-tokens N          max_tokens of each request (default 128)
          --prompt-words N        words in each generated prompt (default 64)
          --seed N                seed of the prompt generator (default 1)
          --long-prompt-words N   words in the long prompt of a mixed load
          --long-fraction F       fraction 0..1 of requests that use the long prompt
          --sessions              multi-turn: each virtual user continues its conversation (x-session-id)
          --turns N               turns per session with --sessions (default 4)
          --ttft-target-ms MS     goodput: time to first token at most MS
          --itl-target-ms MS      goodput: p99 of a request's inter-token gaps at most MS
          --timeout-s S           per-request timeout in seconds (default 120)
          --api-key KEY           sent as Authorization: Bearer KEY
          --tenant NAME=KEY[:W]   a tenant with weight W (default 1); repeatable; requests are shared out
                                  in proportion to weight, each sent with Authorization: Bearer KEY
          --tenants FILE          tenants from JSON {"tenants":[{"name":..,"key":..,"weight":..}]}
          --retry-429 N           send a request refused with 429 again up to N times, after its
                                  retry-after-ms / Retry-After (default 0; insufficient_quota is not retried)
          --temperature T         sampling temperature (default 0)
          --warmup N              unmeasured requests before the first phase (default 0)
          --json                  print one JSON object with the per-phase results as the last line
          --html FILE             also write an HTML report: latency percentiles, throughput and errors over time
          -h, --help              print this text

        Exit codes: 0 done, 1 server unreachable or no request succeeded, 2 bad arguments.

        """;
}
