"""Drives the dashboard in real headless Chromium (selenium + Debian's chromium-driver) against a running
virtmon collector, checking every view the way an operator uses it. Prints one line per check and, at the
end, `RESULT ok` or `RESULT failed: N`; screenshots of each view go to the artifacts directory.

    dashboard_browser.py URL ADMIN_TOKEN PROJECT_TOKEN PROJECT ARTIFACTS [LAB_GUEST]

LAB_GUEST names a real QEMU guest (the libvirt lab's) that a second agent, on host "lab-host", reads.
"""
import json
import os
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

url, admin_token, project_token, project, artifacts = sys.argv[1:6]
lab_guest = sys.argv[6] if len(sys.argv) > 6 else None
os.makedirs(artifacts, exist_ok=True)
failures = []


def check(condition, what, detail=""):
    print(("ok    " if condition else "FAIL  ") + what + (f" ({detail})" if detail and not condition else ""), flush=True)
    if not condition:
        failures.append(what)
    return condition


def browser(width=1400, height=1000):
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("VIRTMON_CHROMIUM", "/usr/bin/chromium")
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size={width},{height}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path=os.environ.get("VIRTMON_CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(options=options, service=service)


# Chromium aborts the requests in flight with ERR_NETWORK_CHANGED whenever an interface comes or goes on the
# host, which the suite's other tests do (each libvirt lab guest adds and removes a tap device). That is the
# test machine's doing, not the dashboard's; every view's own checks still require its data.
HOST_NOISE = ("net::ERR_NETWORK_CHANGED",)


def console_errors(driver, allow=()):
    entries = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    return [e["message"] for e in entries if not any(a in e["message"] for a in tuple(allow) + HOST_NOISE)]


def wait_ready(driver, timeout=20):
    """Waits for the page's own 'ready' mark after the latest render (set once every chart has its data)."""
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script("return document.body.dataset.state") in ("ready", "error"))
    return driver.execute_script("return document.body.dataset.state")


def go(driver, hash_, timeout=20):
    before = driver.execute_script("return document.body.dataset.rendered || ''")
    driver.execute_script("location.hash = arguments[0]", hash_)
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script("return document.body.dataset.rendered || ''") != before
                                         or d.execute_script("return document.body.dataset.state") == "error")
    return wait_ready(driver, timeout)


def go_until_drawn(driver, route, selector, count, seconds=30):
    """Opens `route` again (up to `seconds`) until `count` elements match `selector`: an agent that started a
    few seconds ago has not yet read twice (rates) or finished its first hypervisor cycle, and under a loaded CI
    run a chart can still be empty on the first visit. A chart that never gets data still fails the check.
    Answers the page state and the matching elements."""
    deadline = time.time() + seconds
    hash_ = route
    while True:
        state = go(driver, hash_)
        # Again with a parameter the page ignores: the same hash would not make it render again.
        hash_ = f"{route}{'&' if '?' in route else '?'}t={time.time()}"
        found = driver.find_elements(By.CSS_SELECTOR, selector)
        if len(found) >= count or time.time() > deadline:
            return state, found
        time.sleep(2)


def statistics_fetches(driver):
    return driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/api/v1/statistics'))")


def sign_in(driver, token):
    driver.get(url + "/")
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.ID, "token"))
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "#signin button").click()


def shot(driver, name):
    driver.save_screenshot(os.path.join(artifacts, f"{name}.png"))


admin = browser()
try:
    # A wrong token: the sign-in page again, saying the collector refused it; nothing stored.
    sign_in(admin, "not-the-token")
    WebDriverWait(admin, 20).until(lambda d: d.find_elements(By.ID, "signin-error"))
    check("refused this token" in admin.find_element(By.ID, "signin-error").text, "a wrong token shows the sign-in page with the reason")
    check(admin.execute_script("return sessionStorage.getItem('virtmon.token')") is None, "a refused token is not kept")
    check("not-the-token" not in admin.current_url, "the token never appears in the URL")
    admin.get_log("browser")  # the refused request's 401 is expected; later views must log nothing

    sign_in(admin, admin_token)
    WebDriverWait(admin, 20).until(lambda d: d.find_elements(By.ID, "hosts-table"))
    wait_ready(admin)
    check(admin_token not in admin.current_url, "signed in without the token in the URL")
    hosts = [row.get_attribute("data-host") for row in admin.find_elements(By.CSS_SELECTOR, "#hosts-table tbody tr")]
    check(len(hosts) >= 1, "overview lists the reporting host", str(hosts))
    cells = admin.find_element(By.CSS_SELECTOR, "#hosts-table tbody tr").text
    check("%" in cells and "GiB" in cells, "overview shows CPU and memory figures", cells)
    shot(admin, "overview")
    host = hosts[0]

    # Host view: every chart panel filled (a canvas or a reason), the filesystem table, events panel.
    state = go(admin, f"#/host/{host}?range=1h")
    check(state == "ready", "host view renders", state)
    canvases = admin.find_elements(By.CSS_SELECTOR, ".chart canvas")
    check(len(canvases) >= 5, "host view draws its charts", f"{len(canvases)} canvases")
    check("Filesystems" in admin.page_source and "Events" in admin.page_source, "host view has filesystems and events")
    shot(admin, "host")

    # VMs table: every VM, sorting by a column and filtering by text, kept in the URL.
    state = go(admin, "#/vms")
    check(state == "ready", "VMs view renders", state)
    rows = admin.find_elements(By.CSS_SELECTOR, "#vms-table tbody tr[data-id]")
    total = len(rows)
    check(total >= 12, "VMs table lists every VM", f"{total} rows")
    names = [r.find_element(By.CSS_SELECTOR, "td").text for r in rows]
    check('<img src=x onerror="window.__injected=1">' in names and admin.execute_script("return window.__injected === undefined"),
          "a VM named with markup shows as text and runs nothing", str(names))
    admin.find_element(By.CSS_SELECTOR, "#vms-table th[data-key='name'] button").click()
    names = [r.find_element(By.CSS_SELECTOR, "td").text for r in admin.find_elements(By.CSS_SELECTOR, "#vms-table tbody tr[data-id]")]
    check(names == sorted(names), "sorting by name orders the rows", str(names[:5]))
    check(admin.find_element(By.CSS_SELECTOR, "#vms-table th[data-key='name']").get_attribute("aria-sort") == "ascending", "the sorted column says so (aria-sort)")
    admin.find_element(By.CSS_SELECTOR, "#vms-table th[data-key='name'] button").click()
    names = [r.find_element(By.CSS_SELECTOR, "td").text for r in admin.find_elements(By.CSS_SELECTOR, "#vms-table tbody tr[data-id]")]
    check(names == sorted(names, reverse=True), "a second click reverses the order", str(names[:5]))
    admin.find_element(By.CSS_SELECTOR, "#vms-table th[data-key='cpu'] button").click()
    check("sort=cpu" in admin.current_url, "the sort is in the URL", admin.current_url)
    admin.find_element(By.ID, "vm-filter").send_keys("server-1")
    filtered = [r.find_element(By.CSS_SELECTOR, "td").text for r in admin.find_elements(By.CSS_SELECTOR, "#vms-table tbody tr[data-id]")]
    check(0 < len(filtered) < total and all("server-1" in n for n in filtered), "the filter keeps only matching VMs", str(filtered))
    check("q=server-1" in admin.current_url, "the filter is in the URL", admin.current_url)
    admin.find_element(By.ID, "vm-filter").clear()
    admin.execute_script("document.getElementById('vm-filter').dispatchEvent(new Event('input'))")
    shot(admin, "vms")
    vm = admin.find_element(By.CSS_SELECTOR, "#vms-table tbody tr[data-id]").get_attribute("data-id")

    if lab_guest:
        # The real guest: listed with its CPU, its page charted, and its QEMU's overhead on the overview.
        row = [r for r in admin.find_elements(By.CSS_SELECTOR, "#vms-table tbody tr[data-id]") if r.find_element(By.CSS_SELECTOR, "td").text == lab_guest]
        check(len(row) == 1 and "%" in row[0].text, "the lab's QEMU guest is listed with its CPU", row[0].text if row else "missing")
        if row:
            guest_id = row[0].get_attribute("data-id")
            _, charts = go_until_drawn(admin, f"#/vm/{guest_id}?range=1h", "#chart-cpu canvas, #chart-memory canvas, #chart-vmm canvas", 3)
            check(len(charts) == 3, "the lab guest's CPU, memory and hypervisor-overhead charts are drawn", f"{len(charts)} of 3")
            shot(admin, "vm-lab-guest")
        go(admin, "#/overview")
        lab = [r for r in admin.find_elements(By.CSS_SELECTOR, "#hosts-table tbody tr") if r.get_attribute("data-host") == "lab-host"]
        check(len(lab) == 1 and "MiB" in lab[0].find_elements(By.CSS_SELECTOR, "td")[4].text,
              "the overview shows lab-host's hypervisor overhead", lab[0].text if lab else "no lab-host row")

    # VM view: its charts and panels.
    state, canvases = go_until_drawn(admin, f"#/vm/{vm}", ".chart canvas", 6)
    check(state == "ready", "VM view renders", state)
    check(len(canvases) >= 6, "VM view draws its charts", f"{len(canvases)} canvases")
    check("State changes" in admin.page_source and "Alarms on this VM" in admin.page_source, "VM view has state changes and alarms")
    # Hovering a chart shows exact values with units.
    webdriver.ActionChains(admin).move_to_element(canvases[0]).perform()
    tip = admin.find_elements(By.CSS_SELECTOR, ".chart .tip:not([hidden])")
    check(bool(tip) and "%" in tip[0].text, "hovering a chart shows the values with units", tip[0].text if tip else "no tooltip")
    shot(admin, "vm")

    # The time range and statistic change what is fetched: 24 h asks for 10-minute periods, 6 h for 5-minute ones (the 5-minute rollup).
    def fetched_for_range(value, before_wait=lambda: None):
        """The statistics requests the page makes once the range select says `value` (and `before_wait` ran)."""
        admin.execute_script("performance.clearResourceTimings()")
        Select(admin.find_element(By.ID, "range")).select_by_value(value)
        before_wait()
        WebDriverWait(admin, 20).until(lambda d: f"range={value}" in d.current_url)
        wait_ready(admin)
        return statistics_fetches(admin)

    for value, period in [("24h", 600), ("6h", 300)]:
        fetched = fetched_for_range(value)
        check(fetched and all(f"period={period}" in f for f in fetched if "period=" in f), f"{value[:-1]} {value[-1]} reads {period} s periods", str(fetched[:2]))

    # A custom hour, two hours ago: one-minute periods starting at its start.
    def enter_custom_hour():
        admin.execute_script("""
            const local = (ms) => new Date(ms - new Date(ms).getTimezoneOffset() * 60e3).toISOString().slice(0, 16);
            const hour = Math.floor(Date.now() / 3600e3) * 3600e3;
            document.getElementById('range-from').value = local(hour - 2 * 3600e3);
            document.getElementById('range-to').value = local(hour - 3600e3);""")
        admin.find_element(By.ID, "apply-range").click()

    fetched = fetched_for_range("custom", enter_custom_hour)
    custom_start = admin.execute_script("return new Date(Math.floor(Date.now() / 3600e3) * 3600e3 - 2 * 3600e3).toISOString().replace(/\\.\\d{3}Z$/, 'Z')")
    check(fetched and all("period=60" in f for f in fetched if "period=" in f) and any(f"start={custom_start.replace(':', '%3A')}" in f for f in fetched),
          "a custom hour reads 60 s periods from its start", f"{custom_start} {fetched[:2]}")
    check("from=" in admin.current_url and "to=" in admin.current_url, "the custom range is in the URL", admin.current_url)
    admin.find_element(By.CSS_SELECTOR, "input[name='agg'][value='max']").click()
    WebDriverWait(admin, 20).until(lambda d: "agg=max" in d.current_url)
    wait_ready(admin)

    # Auto-refresh fetches again on its own, and stops while the tab is hidden.
    admin.execute_script("performance.clearResourceTimings()")
    Select(admin.find_element(By.ID, "refresh")).select_by_value("10")
    WebDriverWait(admin, 20).until(lambda d: "refresh=10" in d.current_url)
    wait_ready(admin)
    admin.execute_script("performance.clearResourceTimings()")
    time.sleep(11.5)
    check(len(statistics_fetches(admin)) > 0, "refresh every 10 s fetches again without a click")
    admin.execute_script("Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});"
                         "document.dispatchEvent(new Event('visibilitychange'));")
    time.sleep(0.5)
    admin.execute_script("performance.clearResourceTimings()")
    time.sleep(11.5)
    check(len(statistics_fetches(admin)) == 0, "a hidden tab does not refresh", str(statistics_fetches(admin)[:2]))
    admin.execute_script("Object.defineProperty(document, 'hidden', {configurable: true, get: () => false});"
                         "document.dispatchEvent(new Event('visibilitychange'));")
    Select(admin.find_element(By.ID, "refresh")).select_by_value("0")

    # Events with filters.
    state = go(admin, "#/events?level=info")
    check(state == "ready", "events view renders", state)
    check("level=info" in admin.current_url, "the event filter is in the URL")
    shot(admin, "events")

    # Alarms: create from the page, disable, see history, delete.
    state = go(admin, "#/alarms")
    check(state == "ready", "alarms view renders", state)
    form = admin.find_element(By.ID, "alarm-form")
    form.find_element(By.NAME, "name").send_keys("browser-cpu")
    form.find_element(By.NAME, "threshold").clear()
    form.find_element(By.NAME, "threshold").send_keys("1")
    form.find_element(By.NAME, "resource").send_keys(vm)
    before = admin.execute_script("return document.body.dataset.rendered")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(admin, 20).until(lambda d: d.execute_script("return document.body.dataset.rendered") != before)
    wait_ready(admin)
    row = [r for r in admin.find_elements(By.CSS_SELECTOR, "table.alarms tbody tr") if "browser-cpu" in r.text]
    check(len(row) == 1, "an alarm created on the page is listed")
    shot(admin, "alarms")
    if row:
        before = admin.execute_script("return document.body.dataset.rendered")
        row[0].find_element(By.CSS_SELECTOR, "button[data-act=toggle]").click()
        WebDriverWait(admin, 20).until(lambda d: d.execute_script("return document.body.dataset.rendered") != before)
        wait_ready(admin)
        row = [r for r in admin.find_elements(By.CSS_SELECTOR, "table.alarms tbody tr") if "browser-cpu" in r.text]
        check(row and "Enable" in row[0].text, "disabling from the page sticks", row[0].text if row else "")
        row[0].find_element(By.CSS_SELECTOR, "button[data-act=history]").click()
        WebDriverWait(admin, 20).until(lambda d: "History" in d.find_element(By.ID, "alarm-history").text)
        check("creation" in admin.find_element(By.ID, "alarm-history").text, "the alarm's history lists its creation")
        delete = row[0].find_element(By.CSS_SELECTOR, "button[data-act=delete]")
        delete.click()
        check(delete.text == "Confirm delete", "delete asks for a second press")
        before = admin.execute_script("return document.body.dataset.rendered")
        delete.click()
        WebDriverWait(admin, 20).until(lambda d: d.execute_script("return document.body.dataset.rendered") != before)
        wait_ready(admin)
        check(not [r for r in admin.find_elements(By.CSS_SELECTOR, "table.alarms tbody tr") if "browser-cpu" in r.text], "a deleted alarm is gone")

    errors = console_errors(admin)
    check(not errors, "no console errors in any admin view", json.dumps(errors)[:600])

    # A phone-sized window still shows the VMs table (it scrolls sideways inside its panel).
    admin.set_window_size(390, 844)
    go(admin, "#/vms?refresh=0")
    shot(admin, "vms-phone")
    check(admin.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"), "no page-wide horizontal scroll on a phone")
finally:
    admin.quit()

viewer = browser()
try:
    sign_in(viewer, project_token)
    WebDriverWait(viewer, 20).until(lambda d: d.execute_script("return document.body.dataset.view") == "overview"
                                    and d.execute_script("return document.body.dataset.state") == "ready")
    check(f"Project {project}" in viewer.find_element(By.TAG_NAME, "h1").text, "a project token's overview names its project")
    check(not viewer.find_element(By.CSS_SELECTOR, "nav a[data-view=events]").is_displayed(), "a project token gets no events link")
    go(viewer, "#/vms")
    projects = {r.find_elements(By.CSS_SELECTOR, "td")[1].text for r in viewer.find_elements(By.CSS_SELECTOR, "#vms-table tbody tr[data-id]")}
    check(projects == {project}, "a project token sees only its project's VMs", str(projects))
    shot(viewer, "vms-project")
    errors = console_errors(viewer)
    check(not errors, "no console errors for a project token", json.dumps(errors)[:600])
finally:
    viewer.quit()

print("RESULT " + ("ok" if not failures else f"failed: {len(failures)}"), flush=True)
sys.exit(1 if failures else 0)
