# Compression report test (mk/compress.mk): the sweep's report/index.html is opened in a real
# headless browser, Debian's chromium, which checks it for console errors and takes the
# screenshot kept under out/.
apt_install chromium
