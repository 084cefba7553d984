from conftest import emails_to, link_token, sign_in, AGENT_PASSWORD
from roster.services import email_change
from roster.repository import get_repository

def test_smoke(runtime, admin, make_agent):
    agent = make_agent("jane@example.com")
    updated = email_change.start_change("actor", agent, "jane.new@example.com")
    runtime.pump_streams()
    print(runtime.outbox())
    token = link_token(emails_to(runtime, "jane.new@example.com")[0])
    r = runtime.invoke("POST", "/email-verification", body={"token": token})
    print(r.status, r.text)
    sign_in(runtime, "jane.new@example.com", AGENT_PASSWORD)
    print(runtime.run_function("cleanup"))
