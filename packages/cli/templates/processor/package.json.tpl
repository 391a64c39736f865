{
  "name": "{{packageName}}",
  "version": "0.1.0",
  "description": "{{description}}",
  "type": "module",
  "license": "MIT",
  "main": "./dist/index.js",
  "types": "./dist/index.d.ts",
  "exports": {
    ".": {
      "types": "./dist/index.d.ts",
      "default": "./dist/index.js"
    },
    "./package.json": "./package.json"
  },
  "files": [
    "dist",
    "schemas"
  ],
  "scripts": {
    "build": "tsc -p tsconfig.json",
    "test": "mocha"
  },
  "engines": {
    "node": ">=20.19.0"
  },
  "dependencies": {
    "@nself-jobs/sdk": "{{sdkRange}}"
  },
  "devDependencies": {
    "@nself-jobs/runtime": "{{runtimeRange}}",
    "@types/mocha": "^10.0.10",
    "@types/node": "^20.19.43",
    "mocha": "^12.0.3",
    "tsx": "^4.23.15",
    "typescript": "^5.9.3"
  },
  "nselfJobs": {
    "manifestVersion": 1,
    "runtime": "{{runtimeRange}}",
    "processors": [
      {
        "type": "{{type}}",
        "entry": "./dist/index.js",
        "payloadSchema": "./schemas/payload.schema.json",
        "description": "{{description}}",
        "defaults": {
          "queue": "default",
          "priority": "normal",
          "attempts": 3
        }
      }
    ]
  }
}
