"""Config documents the import/export tests share."""

from __future__ import annotations

ACCEPTANCE = """\
integrations:
  - type: dummy
    name: one
    platforms:
      items:
        count: 3
"""

# Every section, both schedule kinds, secrets on an LLM and on integrations, `!yolo` on a scalar
# and on a mapping, a disabled platform, classification shorthand and long forms.
FULL = """\
llms:
  default:
    base_url: http://localhost:11434/v1
    model: llama3.2:latest
    token: !secret openai_token
    parameters:
      temperature: 0.2
    timeout_s: 60
  local:
    backend: embedded
    structured_output: json_schema

integrations:
  - type: mailish
    name: personal
    server: imap.example.com
    port: 993
    folders: [INBOX, Receipts]
    username: me@example.com
    password: !secret personal_email_password
    schedule:
      every: 30m
    llm: default
    platforms:
      inbox:
        limit: 50
        window: 7d
        classifications:
          human: is this a personal email written by a human?
          priority:
            prompt: what is the priority of this email?
            type: enum
            values: [low, high]
        automations:
          - name: quiet robots
            when:
              classification.human: "< 0.2"
              is_read: false
            then: archive
          - when:
              domain: [newsletters.example.com]
            then: !yolo unsubscribe
          - when:
              classification.priority: high
            then:
              - move_to: Important
              - !yolo
                service:
                  call: oracle.default.ask
                  inputs:
                    prompt: "What does {{ domain }} want?"
          - when:
              from_address: boss@example.com
            then:
              - script:
                  name: notify_phone
                  inputs:
                    subject: "{{ subject }}"
      sent:
        enabled: false
  - type: oracle
    name: default
    api_key: !secret oracle_api_key
    model: big
  - type: dummy
    name: one
    enabled: false
    schedule:
      cron: "0 8-18 * * 1-5"
    platforms:
      items:
        count: 5

scripts:
  notify_phone:
    description: Push a notification to my phone
    shell: |
      curl -s -d "$STEWARD_INPUT_SUBJECT" https://ntfy.example.com/me
      echo sent
    inputs: [subject]
    timeout: 30
    reversible: false
    output: RESULT
    on_output: human_log

chat:
  llm: default
  system_prompt: You are a concise, careful assistant.

queue_policies:
  retention: 14d
  defaults:
    deduplicate_pending: true
    rate_limit: {max: 100, per: 1h}
  overrides:
    service.oracle.ask:
      rate_limit:
        max: 10
        per: 1h
    "service.*":
      deduplicate_pending: false

directories:
  notes: ./data/notes
  logs: ./data/logs
  task_queue: ./data/queue
"""

FULL_SECRETS = {
    "openai_token": "sk-live-123",
    "personal_email_password": "hunter2",
    "oracle_api_key": "oracle-key-456",
}
