{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "{{type}} payload",
  "description": "What a {{type}} job needs. The runtime validates every payload against this schema when the job is enqueued (a clear 400) and again before it runs.",
  "type": "object",
  "required": ["name"],
  "additionalProperties": false,
  "properties": {
    "name": {
      "type": "string",
      "minLength": 1,
      "maxLength": 200,
      "description": "Who to greet"
    }
  },
  "examples": [
    { "name": "Ada" },
    { "name": "Grace Hopper" }
  ]
}
