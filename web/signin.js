// Sign in, then go where the role works: a customer's administrator to the
// portal, staff to the console.
"use strict";

function landing(user) {
  return user.role === "tenant_admin" ? "/web/portal.html" : "/web/console.html";
}

(async () => {
  try {  // already signed in: straight on
    const s = await vigil.whoAmI();
    location.replace(landing(s.user));
    return;
  } catch (e) { /* not signed in */ }
  const form = document.getElementById("signin");
  const error = document.getElementById("signin-error");
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    error.textContent = "";
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const s = await vigil.signIn(form.username.value.trim(), form.password.value);
      form.password.value = "";
      location.assign(landing(s.user));
    } catch (e) {
      error.textContent = e.status === 401 ? "The user name or the password is wrong." : e.message;
      form.password.focus();
    } finally {
      button.disabled = false;
    }
  });
})();
