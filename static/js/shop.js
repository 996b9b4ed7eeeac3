// Progressive enhancement for the storefront. Every feature here also works as a plain form post.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function postJSON(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          throw new Error(data.error || "Something went wrong. Please try again.");
        }
        return data;
      });
    });
  }

  function setCartCount(count) {
    document.querySelectorAll("[data-cart-count]").forEach(function (el) { el.textContent = String(count); });
  }

  // Re-render server-owned regions (the shipping bar, the cart) from the page itself, so the
  // numbers and wording always come from the server's pricing code.
  function refreshRegions(names) {
    return fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        names.forEach(function (name) {
          var current = document.querySelector('[data-refresh="' + name + '"]');
          var replacement = fresh.querySelector('[data-refresh="' + name + '"]');
          if (current && replacement) { current.replaceWith(replacement); }
        });
        var count = fresh.querySelector("[data-cart-count]");
        if (count) { setCartCount(count.textContent); }
      });
  }

  // Product page: the variant picker keeps price and stock text in step with the chosen size.
  function initVariantPicker(form) {
    var price = document.querySelector("[data-price]");
    var stock = document.getElementById("stock-status");
    form.querySelectorAll('input[name="sku"][type="radio"]').forEach(function (radio) {
      radio.addEventListener("change", function () {
        if (price && radio.dataset.price) { price.textContent = radio.dataset.price; }
        if (stock) {
          stock.textContent = radio.dataset.stock || "";
          stock.className = "stock-status stock-status--" + (radio.dataset.stockLevel || "ok");
        }
      });
    });
  }

  function initAddToCart(form) {
    var status = form.querySelector("[data-add-status]");
    form.addEventListener("submit", function (event) {
      var chosen = form.querySelector('input[name="sku"]:checked') || form.querySelector('input[name="sku"][type="hidden"]');
      var quantityInput = form.querySelector('input[name="quantity"]');
      var quantity = Number(quantityInput ? quantityInput.value : 1);
      if (!chosen || !Number.isInteger(quantity)) { return; } // let the server explain
      event.preventDefault();
      var button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      status.classList.remove("add-to-cart__status--error");
      status.textContent = "Adding…";
      postJSON("/cart/add.json", { sku: chosen.value, quantity: quantity })
        .then(function (cart) {
          setCartCount(cart.item_count);
          status.innerHTML = "";
          status.append("Added to your cart. ");
          var link = document.createElement("a");
          link.href = "/cart";
          link.textContent = "View cart";
          status.append(link);
          return refreshRegions(["shipping-progress"]);
        })
        .catch(function (error) {
          status.classList.add("add-to-cart__status--error");
          status.textContent = error.message;
        })
        .finally(function () { button.disabled = false; });
    });
  }

  // Cart page: quantity changes and removals go through the JSON API, then the cart re-renders.
  function initCart(root) {
    root.addEventListener("submit", function (event) {
      var form = event.target;
      if (form.matches("[data-cart-country]")) {
        event.preventDefault();
        chooseCountry(form.querySelector('select[name="country"]').value);
        return;
      }
      if (form.matches("[data-discount-apply]") || form.matches("[data-discount-remove]")) {
        var input = form.querySelector('input[name="code"]');
        event.preventDefault();
        changeDiscount(input ? input.value : null);
        return;
      }
      var isUpdate = form.matches("[data-cart-update]");
      var isRemove = form.matches("[data-cart-remove]");
      if (!isUpdate && !isRemove) { return; }
      var sku = form.querySelector('input[name="sku"]').value;
      var quantity = isRemove ? 0 : Number(form.querySelector('input[name="quantity"]').value);
      if (!Number.isInteger(quantity)) { return; } // the plain post explains the problem
      event.preventDefault();
      changeLine(sku, quantity, isRemove);
    });
    root.addEventListener("change", function (event) {
      var input = event.target;
      if (input.matches('[data-cart-update] input[name="quantity"]')) {
        var quantity = Number(input.value);
        if (Number.isInteger(quantity) && quantity >= 0) {
          changeLine(input.form.querySelector('input[name="sku"]').value, quantity, false);
        }
      }
    });
  }

  // The estimate's country: shipping and tax for it come back in the re-rendered cart.
  function chooseCountry(country) {
    postJSON("/cart/country.json", { country: country })
      .then(function () {
        var flashes = document.querySelector(".flashes");
        if (flashes) { flashes.remove(); }
        return refreshRegions(["cart-root", "shipping-banner"]);
      })
      .then(function () {
        var select = document.getElementById("cart-country");
        announce("Shipping and tax are now estimated for " +
          (select ? select.options[select.selectedIndex].text : country) + ".", false);
        if (select) { select.focus(); }
      })
      .catch(function (error) { announce(error.message, true); });
  }

  function announce(message, isError) {
    var region = document.getElementById("cart-announcer");
    if (!region) {
      region = document.createElement("p");
      region.id = "cart-announcer";
      region.className = "visually-hidden";
      region.setAttribute("role", "status");
      document.body.append(region);
    }
    region.textContent = message;
    if (isError) {
      var flashes = document.querySelector(".flashes");
      if (!flashes) {
        flashes = document.createElement("div");
        flashes.className = "flashes";
        document.getElementById("main").prepend(flashes);
      }
      flashes.innerHTML = "";
      var p = document.createElement("p");
      p.className = "flash flash--error";
      p.setAttribute("role", "alert");
      p.textContent = message;
      flashes.append(p);
    }
  }

  // The quantity last sent per SKU: typing a number and pressing Update fires both "change" and
  // "submit"; the second request would only repeat the first.
  var lastSent = {};

  function changeLine(sku, quantity, removing) {
    if (!removing && lastSent[sku] === quantity) { return; }
    lastSent[sku] = removing ? 0 : quantity;
    var root = document.querySelector('[data-refresh="cart-root"]');
    root.classList.add("cart-busy");
    root.setAttribute("aria-busy", "true");
    var focusedId = null;
    postJSON("/cart/change.json", { sku: sku, quantity: quantity })
      .then(function (cart) {
        setCartCount(cart.item_count);
        var flashes = document.querySelector(".flashes");
        if (flashes) { flashes.remove(); }
        announce(removing || quantity === 0 ? "Removed from your cart." : "Your cart was updated.", false);
      })
      .catch(function (error) {
        delete lastSent[sku];
        announce(error.message, true);
      })
      .then(function () {
        // Read focus now, not when the request started: by now it has settled on its target.
        focusedId = document.activeElement && document.activeElement.id;
        return refreshRegions(["cart-root"]);
      })
      .finally(function () {
        var fresh = document.querySelector('[data-refresh="cart-root"]');
        fresh.classList.remove("cart-busy");
        fresh.removeAttribute("aria-busy");
        var target = focusedId && document.getElementById(focusedId);
        if (target) { target.focus(); }
      });
  }

  // The discount code goes through the JSON API too; the cart then re-renders with the server's totals.
  function changeDiscount(code) {
    var root = document.querySelector('[data-refresh="cart-root"]');
    root.classList.add("cart-busy");
    root.setAttribute("aria-busy", "true");
    var focusId = code === null ? "discount-code-input" : "discount-remove";
    var refusal = null;
    postJSON("/cart/discount.json", { code: code })
      .then(function (cart) {
        var flashes = document.querySelector(".flashes");
        if (flashes) { flashes.remove(); }
        announce(code === null ? "Discount code removed." : "Discount code applied.", false);
      })
      .catch(function (error) {
        focusId = "discount-code-input";
        refusal = error.message;
      })
      .then(function () { return refreshRegions(["cart-root"]); })
      .finally(function () {
        var fresh = document.querySelector('[data-refresh="cart-root"]');
        fresh.classList.remove("cart-busy");
        fresh.removeAttribute("aria-busy");
        var target = document.getElementById(focusId);
        // A refused code stays in the re-rendered box to be corrected; the message comes only once the
        // cart has settled, so nothing typed after it is overwritten by the refresh.
        if (refusal !== null) {
          if (target && code !== null) { target.value = code; }
          announce(refusal, true);
        }
        if (target) { target.focus(); }
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var addForm = document.querySelector("[data-add-to-cart]");
    if (addForm) {
      initVariantPicker(addForm);
      initAddToCart(addForm);
    }
    var cartRoot = document.querySelector('[data-refresh="cart-root"]');
    if (cartRoot) { initCart(document.getElementById("main")); }
  });
})();
