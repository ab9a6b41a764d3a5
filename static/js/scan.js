/* Scan a voucher's QR code with the phone's camera (jsQR, vendored) into the code field.
   Typing the code always works; this only fills the field and submits the look-up form. */
(function () {
  "use strict";
  var button = document.querySelector("[data-scan]");
  if (!button) return;
  if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia) || typeof jsQR !== "function") {
    button.hidden = true;
    return;
  }
  button.hidden = false;
  var form = button.closest("form");
  var input = form.querySelector("[name=code]");
  var video = document.querySelector("[data-scan-video]");
  var status = document.querySelector("[data-scan-status]");
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;

  function stop() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    video.hidden = true;
  }

  function tick() {
    if (!stream) return;
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (found && found.data) {
        stop();
        input.value = found.data;
        form.submit();
        return;
      }
    }
    requestAnimationFrame(tick);
  }

  button.addEventListener("click", function () {
    if (stream) { stop(); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.setAttribute("playsinline", "");
      video.hidden = false;
      video.play();
      requestAnimationFrame(tick);
    }).catch(function () {
      status.hidden = false;
    });
  });
})();
