/* The prevention map (maps app): Leaflet from django-leaflet's wheel, each layer's GeoJSON from maps:layer.
 *
 * No tile server unless MAP_TILE_URL is set: the drawn areas, streets and places on a plain background, so the
 * map works with no internet. Settings come from the JSON element #map-config (maps.views.map_config); text
 * from the server is put in with textContent, never as HTML. On an edit page (config.edit) Leaflet.draw draws
 * or moves the one place and writes its GeoJSON into the form's field; the server checks it on save.
 */
(function () {
  "use strict";
  var configNode = document.getElementById("map-config");
  var mapNode = document.getElementById("map");
  var statusNode = document.getElementById("map-status");
  if (!configNode || !mapNode || !window.L) {
    return;
  }
  var config = JSON.parse(configNode.textContent);
  var editing = config.edit || null;

  function say(text) {
    if (statusNode) {
      statusNode.textContent = text;
    }
  }
  say("正在加载地图……");

  var map = L.map(mapNode, {
    zoomControl: false,
    attributionControl: Boolean(config.tiles.url),
    minZoom: 3,
    maxZoom: 20,
    zoomSnap: 0.25,
  });
  L.control.zoom({ zoomInTitle: "放大", zoomOutTitle: "缩小" }).addTo(map);
  if (config.tiles.url) {
    L.tileLayer(config.tiles.url, { attribution: config.tiles.attribution, maxZoom: 19 }).addTo(map);
  }
  map.setView(config.center, 16);

  var COLOURS = {
    grids: { color: "#1155aa", weight: 2, dashArray: "6 4", fillColor: "#1155aa", fillOpacity: 0.04 },
    enclosures: { color: "#c0392b", weight: 2, fillColor: "#c0392b", fillOpacity: 0.08 },
    alleys: { color: "#5d6b78", weight: 5, opacity: 0.9 },
    buildings: { color: "#3d4852", weight: 1, fillColor: "#8a96a3", fillOpacity: 0.7 },
  };

  function popupFor(props) {
    var box = document.createElement("div");
    var title = document.createElement("span");
    title.className = "map-popup-title";
    title.textContent = props.title || "";
    box.appendChild(title);
    [props.tag, props.alert].concat(props.lines || []).forEach(function (line) {
      if (line) {
        var row = document.createElement("div");
        row.textContent = line;
        box.appendChild(row);
      }
    });
    var links = [];
    if (props.link) { links.push(["查看详情", props.link]); }
    if (props.edit && !editing) { links.push(["修改位置", props.edit]); }
    (props.more || []).forEach(function (more) { if (!editing) { links.push(more); } });
    if (links.length) {
      var row = document.createElement("div");
      links.forEach(function (link) {
        var a = document.createElement("a");
        a.href = link[1];
        a.textContent = link[0];
        row.appendChild(a);
      });
      box.appendChild(row);
    }
    return box;
  }

  function badgeIcon(props, size) {
    var span = document.createElement("span");
    span.textContent = props.badge;
    return L.divIcon({
      className: "map-badge " + (props.style || "") + (props.alert ? " alert" : ""),
      html: span,
      iconSize: [size, size],
      iconAnchor: [size / 2, size / 2],
      popupAnchor: [0, -size / 2],
    });
  }

  function pointFor(key, feature, latlng) {
    var props = feature.properties || {};
    if (props.badge) {
      var size = key === "gates" ? 26 : 22;
      return L.marker(latlng, { icon: badgeIcon(props, size), title: props.title, alt: props.title, keyboard: !editing });
    }
    return L.circleMarker(latlng, { radius: 5, color: "#3d4852", weight: 1, fillColor: "#8a96a3", fillOpacity: 0.9 });
  }

  function styleFor(key) {
    var style = COLOURS[key] || { color: "#1d2329", weight: 2 };
    if (editing) {
      style = L.extend({}, style, { opacity: 0.45, fillOpacity: 0.03, interactive: false });
    }
    return style;
  }

  var groups = {};
  var bounds = L.latLngBounds([]);
  var pending = config.layers.length;
  var failed = [];

  function switchFor(key) {
    return document.querySelector('#layer-switches input[data-layer="' + key + '"]');
  }

  function finished() {
    pending -= 1;
    if (pending > 0) {
      return;
    }
    // Fitted at once, not animated: when the status below says the map is ready, nothing on it is still moving
    // (a tap during a zoom animation lands on whatever passes under the finger).
    if (editing && editable && editable.getLayers().length) {
      map.fitBounds(editable.getBounds(), { maxZoom: 18, padding: [30, 30], animate: false });
    } else if (bounds.isValid()) {
      map.fitBounds(bounds, { maxZoom: 18, padding: [20, 20], animate: false });
    }
    if (failed.length) {
      say("以下图层没有加载成功，请刷新页面：" + failed.join("、"));
    } else if (editing) {
      say(editable && editable.getLayers().length
        ? "用地图左上角的工具移动或重画，然后点“保存位置”。"
        : "用地图左上角的工具画出位置，然后点“保存位置”。");
    } else if (!bounds.isValid()) {
      say("地图上还没有标注任何位置。下方的文字版列出了全部内容。");
    } else {
      say("地图已加载。点图上的标记查看详情；下方的文字版列出了同样的内容。");
    }
  }

  config.layers.forEach(function (layer) {
    fetch(layer.url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        var group = L.geoJSON(data, {
          style: function () { return styleFor(layer.key); },
          pointToLayer: function (feature, latlng) { return pointFor(layer.key, feature, latlng); },
          onEachFeature: function (feature, drawn) {
            if (editing) { return; }
            drawn.bindPopup(popupFor(feature.properties || {}));
            if (layer.key === "alleys" && feature.properties && feature.properties.title) {
              drawn.bindTooltip(feature.properties.title, { permanent: false, direction: "center", className: "map-label" });
            }
          },
        });
        groups[layer.key] = group;
        var box = switchFor(layer.key);
        if (!box || box.checked) { group.addTo(map); }
        if (data.features.length) { bounds.extend(group.getBounds()); }
        if (editing) { group.bringToBack(); }
      })
      .catch(function () { failed.push(layer.label); })
      .then(finished);
  });

  var switches = document.getElementById("layer-switches");
  if (switches) {
    switches.hidden = false;
    switches.addEventListener("change", function (event) {
      var group = groups[event.target.getAttribute("data-layer")];
      if (!group) { return; }
      if (event.target.checked) { group.addTo(map); } else { map.removeLayer(group); }
    });
  }

  // -- editing one place with Leaflet.draw ------------------------------------------------------------------
  var editable = null;
  if (editing && L.Control.Draw) {
    var field = document.getElementById(editing.field);
    editable = new L.FeatureGroup().addTo(map);
    var allows = function (type) { return editing.shape.indexOf(type) >= 0; };

    var local = L.drawLocal;
    local.draw.toolbar.actions = { title: "取消绘制", text: "取消" };
    local.draw.toolbar.finish = { title: "完成绘制", text: "完成" };
    local.draw.toolbar.undo = { title: "删除最后画的点", text: "撤销一点" };
    local.draw.toolbar.buttons = { polyline: "画线（小巷走向）", polygon: "画多边形（范围、轮廓）", rectangle: "画矩形", marker: "放置标记（位置）" };
    local.draw.handlers.marker.tooltip.start = "点击地图放置位置";
    local.draw.handlers.polygon.tooltip = { start: "点击地图开始画", cont: "继续点击添加顶点", end: "点击第一个点结束" };
    local.draw.handlers.polyline.tooltip = { start: "点击地图开始画线", cont: "继续点击添加点", end: "点击最后一个点结束" };
    local.draw.handlers.polyline.error = "<strong>线不能交叉！</strong>";
    local.draw.handlers.rectangle.tooltip.start = "按住并拖动画出矩形";
    local.draw.handlers.simpleshape.tooltip.end = "松开结束";
    local.edit.toolbar.actions = { save: { title: "完成修改", text: "完成" }, cancel: { title: "放弃修改", text: "取消" }, clearAll: { title: "全部清除", text: "全部清除" } };
    local.edit.toolbar.buttons = { edit: "移动或修改", editDisabled: "没有可修改的形状", remove: "删除", removeDisabled: "没有可删除的形状" };
    local.edit.handlers.edit.tooltip = { text: "拖动顶点或标记来修改", subtext: "点“取消”放弃修改" };
    local.edit.handlers.remove.tooltip = { text: "点要删除的形状" };

    var write = function () {
      var drawn = editable.getLayers();
      if (!drawn.length) {
        field.value = "";
        say("已清除位置：保存后将从地图上移除。");
        return;
      }
      field.value = JSON.stringify(drawn[0].toGeoJSON(7).geometry);
      say("位置已更新，请点“保存位置”。");
    };
    var load = function () {
      editable.clearLayers();
      if (!field.value.trim()) { return; }
      try {
        L.geoJSON(JSON.parse(field.value)).eachLayer(function (drawn) { editable.addLayer(drawn); });
      } catch (error) {
        say("文字框里的 GeoJSON 无法显示在地图上，请检查。");
      }
    };
    load();
    field.addEventListener("change", load);

    map.addControl(new L.Control.Draw({
      position: "topleft",
      draw: {
        marker: allows("Point"),
        polyline: allows("LineString") ? { shapeOptions: COLOURS.alleys } : false,
        polygon: allows("Polygon") ? { allowIntersection: false, showArea: false } : false,
        rectangle: allows("Polygon") ? { showArea: false } : false,
        circle: false,
        circlemarker: false,
      },
      edit: { featureGroup: editable, remove: true },
    }));
    map.on(L.Draw.Event.CREATED, function (event) {
      editable.clearLayers();
      editable.addLayer(event.layer);
      write();
    });
    map.on(L.Draw.Event.EDITED, write);
    map.on(L.Draw.Event.DELETED, write);
  }
})();
