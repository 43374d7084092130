// The login page: name and password for a session cookie, then the chat page.
const form = document.getElementById("login");
const error = document.getElementById("login-error");

function show(message) {
  error.textContent = message;
  error.hidden = false;
}

if (new URLSearchParams(location.search).get("login") === "expired") {
  show("That sign-in link was used already or has expired; run `dbgpt login-url` for a new one.");
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  const body = { name: form.name.value, password: form.password.value };
  try {
    const response = await fetch("/api/v1/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
    if (response.ok) {
      location.assign("/");
      return;
    }
    const answer = await response.json().catch(() => ({}));
    show(typeof answer.detail === "string" ? answer.detail : `the server answered ${response.status}`);
  } catch {
    show("the server cannot be reached");
  }
});
