{
  "import": "tsx",
  "spec": ["test/**/*.test.ts"],
  "timeout": 30000
}
