// Run parameters from the environment (k6 run -e NAME=value, or the shell's environment), with defaults.
const env = (name, fallback) => (__ENV[name] !== undefined && __ENV[name] !== "" ? __ENV[name] : fallback);
const number = (name, fallback) => {
  const value = Number(env(name, fallback));
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got "${__ENV[name]}"`);
  return value;
};

export const config = {
  baseUrl: env("BASE_URL", "http://127.0.0.1:8080").replace(/\/+$/, ""),
  model: env("MODEL", ""),
  apiKey: env("API_KEY", ""),
  adminKey: env("ADMIN_KEY", ""),
  maxTokens: number("MAX_TOKENS", 64),
  prompt: env("PROMPT", "Explain in two sentences why the sky is blue."),
  // Unset: the server's default sampling. 0 makes every run say the same (tests count chunks against tokens).
  temperature: env("TEMPERATURE", "") === "" ? null : number("TEMPERATURE", 1),
  turns: number("TURNS", 3),
  vus: number("VUS", 8),
  duration: env("DURATION", "5m"),
  rate: number("RATE", 2),
  maxRetries: number("MAX_RETRIES", 3),
  // The longest a refused virtual user waits before its retry, whatever Retry-After says.
  maxRetryWaitS: number("MAX_RETRY_WAIT_S", 60),
  thresholds: {
    ttftP95Ms: number("TTFT_P95_MS", 3000),
    itlP95Ms: number("ITL_P95_MS", 500),
    streamOkRate: number("STREAM_OK_RATE", 0.99),
  },
};
