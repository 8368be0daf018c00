// Renders chat-template cases with @huggingface/jinja, the reference the C# engine is checked against.
// Usage: node render.mjs CASES.json OUT.json   (NODE_PATH points at the installed node_modules)
// A case is {template, messages, tools, add_generation_prompt, kwargs, bos_token, eos_token}; the result for it is
// {text} or {error}. The messages come prepared by the engine (ChatTemplate.PrepareMessages), so that the two
// renderers get the same input.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(process.env.NODE_PATH + "/");
const { Template } = require("@huggingface/jinja");

const [casesPath, outPath] = process.argv.slice(2);
const cases = JSON.parse(readFileSync(casesPath, "utf8"));
const parsed = new Map();

const results = cases.map((c) => {
  try {
    let template = parsed.get(c.template);
    if (!template) {
      template = new Template(c.template);
      parsed.set(c.template, template);
    }
    const variables = {
      messages: c.messages,
      tools: c.tools ?? null,
      add_generation_prompt: c.add_generation_prompt,
      ...(c.bos_token != null ? { bos_token: c.bos_token } : {}),
      ...(c.eos_token != null ? { eos_token: c.eos_token } : {}),
      ...(c.kwargs ?? {}),
    };
    return { text: template.render(variables) };
  } catch (e) {
    return { error: String(e && e.message ? e.message : e) };
  }
});
writeFileSync(outPath, JSON.stringify(results));
