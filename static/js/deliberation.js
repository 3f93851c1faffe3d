// Deliberation screen: the counters follow the boxes checked (not recorded yet).
(function () {
  "use strict";
  var form = document.getElementById("deliberation-form");
  var panel = document.getElementById("counters");
  if (!form || !panel) {
    return;
  }
  var recordedHighlighted = parseInt(panel.dataset.highlighted || "0", 10);
  var recordedSpecial = parseInt(panel.dataset.special || "0", 10);
  var recordedCovered = (panel.dataset.covered || "").split(" ").filter(Boolean);
  var granted = parseFloat(panel.dataset.granted || "0");
  var budget = panel.dataset.budget ? parseFloat(panel.dataset.budget) : null;
  var format = new Intl.NumberFormat(document.documentElement.lang || "fr", {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });

  function counter(name) {
    return panel.querySelector('[data-counter="' + name + '"]');
  }

  function amountOf(row) {
    var input = row.querySelector("[data-amount]");
    if (!input) {
      return 0;
    }
    var value = parseFloat(input.value.replace(/\s/g, "").replace(",", "."));
    return isNaN(value) ? 0 : value;
  }

  function update() {
    var covered = {};
    recordedCovered.forEach(function (number) {
      covered[number] = true;
    });
    var highlighted = recordedHighlighted;
    var special = recordedSpecial;
    var amount = granted;
    form.querySelectorAll("[data-choose]").forEach(function (box) {
      var row = box.closest("tr");
      var specialBox = row.querySelector("[data-special]");
      if (!box.checked) {
        return;
      }
      highlighted += 1;
      if (specialBox && specialBox.checked) {
        special += 1;
      }
      amount += amountOf(row);
      (row.dataset.objectives || "").split(" ").filter(Boolean).forEach(function (number) {
        covered[number] = true;
      });
    });
    var uncovered = 0;
    panel.querySelectorAll("[data-objective]").forEach(function (item) {
      var isCovered = covered[item.dataset.objective] === true;
      item.hidden = isCovered;
      if (!isCovered) {
        uncovered += 1;
      }
    });
    var allCovered = panel.querySelector("[data-all-covered]");
    if (allCovered) {
      allCovered.hidden = uncovered > 0;
    }
    if (counter("highlighted")) {
      counter("highlighted").textContent = highlighted;
    }
    if (counter("special")) {
      counter("special").textContent = special;
    }
    if (counter("covered")) {
      counter("covered").textContent = panel.querySelectorAll("[data-objective]").length - uncovered;
    }
    if (counter("granted")) {
      counter("granted").textContent = format.format(amount);
    }
    if (counter("remaining") && budget !== null) {
      counter("remaining").textContent = format.format(budget - amount);
    }
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
  // A special prize checks its action too.
  form.addEventListener("change", function (event) {
    if (event.target.matches("[data-special]") && event.target.checked) {
      var box = event.target.closest("tr").querySelector("[data-choose]");
      if (box && !box.checked) {
        box.checked = true;
        update();
      }
    }
  });
  update();
})();
