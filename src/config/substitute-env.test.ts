// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is the configuration file's own syntax, written as it is.
import assert from "node:assert/strict";
import { test } from "node:test";
import { substituteEnv } from "./substitute-env.js";

const env = { USER: "audit", PASSWORD: "s3cret", PORT: "5432", ON: "true", EMPTY: "" };

test("replaces every ${NAME} in texts at any depth, and records where each variable went", () => {
  const result = substituteEnv(
    {
      db: { url: "postgres://${USER}:${PASSWORD}@db:${PORT}/audit", hosts: ["a", "${USER}.internal"] },
      n: 3,
    },
    env,
  );
  assert.deepEqual(result.value, {
    db: { url: "postgres://audit:s3cret@db:5432/audit", hosts: ["a", "audit.internal"] },
    n: 3,
  });
  assert.deepEqual(
    [...result.fromEnv],
    [
      ["/db/url", ["USER", "PASSWORD", "PORT"]],
      ["/db/hosts/1", ["USER"]],
    ],
  );
  assert.deepEqual(result.issues, []);
});

test("$${ is a literal ${; keys are never substituted; the input is left as it was", () => {
  const input = { "${USER}": "cost: $${PRICE} and $$ and $USER", plain: "no references" };
  const result = substituteEnv(input, env);
  assert.deepEqual(result.value, { "${USER}": "cost: ${PRICE} and $$ and $USER", plain: "no references" });
  assert.equal(result.fromEnv.size, 0);
  assert.equal(input["${USER}"], "cost: $${PRICE} and $$ and $USER");
});

test("a whole ${NAME} becomes a number or boolean where the schema expects one; part of a text never does", () => {
  const typeAt = (pointer: string) =>
    ({ "/port": "integer", "/on": "boolean", "/label": "integer" })[pointer];
  const result = substituteEnv({ port: "${PORT}", on: "${ON}", label: "p${PORT}", user: "${USER}" }, env, {
    typeAt,
  });
  assert.deepEqual(result.value, { port: 5432, on: true, label: "p5432", user: "audit" });
  const notANumber = substituteEnv({ port: "${USER}" }, env, { typeAt });
  assert.deepEqual(notANumber.value, { port: "audit" }, "left as text, for the schema to refuse");
});

test("a variable set to the empty text is set", () => {
  const result = substituteEnv({ a: "x${EMPTY}y" }, env);
  assert.deepEqual(result.value, { a: "xy" });
  assert.deepEqual(result.issues, []);
});

test("an unset variable and a malformed reference are issues naming the path; nothing is replaced silently", () => {
  const result = substituteEnv(
    { server: { token: "Bearer ${API_TOKEN}", bad: ["${}", "${not closed", "${a-b}"] } },
    env,
  );
  assert.deepEqual(
    result.issues.map((i) => `${i.path}: expected ${i.expected}, got ${i.got}`),
    [
      "server.token: expected the environment variable API_TOKEN (named by ${API_TOKEN}), got no such variable",
      'server.bad[0]: expected ${NAME} with a NAME of letters, digits and _ (write $${ for a literal ${), got "${}"',
      'server.bad[1]: expected ${NAME} with a NAME of letters, digits and _ (write $${ for a literal ${), got "${not closed"',
      'server.bad[2]: expected ${NAME} with a NAME of letters, digits and _ (write $${ for a literal ${), got "${a-b}"',
    ],
  );
});
