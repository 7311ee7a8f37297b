// SAML HTTP-POST binding: carry the signed message to the identity provider
// (or back to the portal) at once. Without JavaScript the form's button does it.
(function () {
  'use strict';
  var f = document.querySelector('form[data-saml-autosubmit]');
  if (f) f.submit();
})();
