"""Times the dashboard's views in real headless Chromium as an operator opens them: a fresh navigation to the
view's URL, until the page marks itself ready (every table and chart drawn from its data), read from
Chromium's own navigation timing; and the bytes it transferred (page, files and API answers).

    dashboard_timing.py URL TOKEN VM_ID [RUNS]

Prints one line per view: "VIEW first_ms median_ms max_ms kilobytes". With VIRTMON_SCREENSHOTS=DIR, a
screenshot of each view (and of the VM page in the dark theme) goes to DIR.
"""
import os, statistics, sys

from selenium import webdriver
from selenium.webdriver.support.ui import WebDriverWait

url, token, vm = sys.argv[1:4]
runs = int(sys.argv[4]) if len(sys.argv) > 4 else 5
shots = os.environ.get("VIRTMON_SCREENSHOTS")  # a directory: a screenshot of each view goes there
if shots: os.makedirs(shots, exist_ok=True)
options = webdriver.ChromeOptions()
options.binary_location = os.environ.get("VIRTMON_CHROMIUM", "/usr/bin/chromium")
for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000"]:
    options.add_argument(flag)
driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=os.environ.get("VIRTMON_CHROMEDRIVER", "/usr/bin/chromedriver")))
driver.set_page_load_timeout(60)
try:
    driver.get(url + "/#/signin")
    driver.execute_script("sessionStorage.setItem('virtmon.token', arguments[0])", token)
    views = [("overview", "#/overview?range=24h"), ("vms", "#/vms?range=24h"), ("vm-7d", f"#/vm/{vm}?range=7d"),
             ("host-24h", "#/host/compute-00?range=24h")]
    for name, hash_ in views:
        times, sizes = [], []
        for _ in range(runs + 1):
            driver.get("about:blank")
            driver.get(url + "/" + hash_)
            WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.body.dataset.state") in ("ready", "error"))
            state = driver.execute_script("return document.body.dataset.state")
            if state != "ready":
                print(f"{name} error: {driver.find_element('id', 'banner').text}", flush=True)
                sys.exit(1)
            ready = driver.execute_script("const m = performance.getEntriesByType('mark').filter(e => e.name.startsWith('virtmon-ready')); return m.length ? m[m.length - 1].startTime : null")
            size = driver.execute_script("return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')).reduce((a, e) => a + (e.transferSize || 0), 0)")
            times.append(ready)
            sizes.append(size)
        # The first load is reported on its own (cold connection and collector caches); then the median and
        # worst of the rest.
        first = times[0]
        times, sizes = times[1:], sizes[1:]
        print(f"{name} {first:.0f} {statistics.median(times):.0f} {max(times):.0f} {statistics.median(sizes) / 1024:.0f}", flush=True)
        if shots:
            driver.save_screenshot(os.path.join(shots, f"{name}.png"))
    if shots:
        # The same VM page as a browser set to a dark system theme shows it.
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
        driver.get("about:blank")
        driver.get(url + "/" + views[2][1])
        WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.body.dataset.state") == "ready")
        driver.save_screenshot(os.path.join(shots, "vm-7d-dark.png"))
finally:
    driver.quit()
