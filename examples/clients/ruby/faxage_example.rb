# examples/clients/ruby/faxage_example.rb: send a fax, wait for it, download its TIFF,
# then list the inbound faxes and fetch the newest. Ruby with Net::HTTP (standard library).
#   FAXAGE_URL=http://127.0.0.1:8080 ruby faxage_example.rb
# Over HTTPS against faxage-sim --tls: SSL_CERT_FILE=/path/to/ca.pem (OpenSSL's default store).
require "base64"
require "digest"
require "net/http"
require "uri"

BASE = (ENV["FAXAGE_URL"] || "https://api.faxage.com").chomp("/")
LOGIN = {
  "username" => ENV["FAXAGE_USERNAME"] || "demo",
  "company" => ENV["FAXAGE_COMPANY"] || "1000",
  "password" => ENV["FAXAGE_PASSWORD"] || "demo",
}.freeze
FAXNO = ENV["FAXAGE_FAXNO"] || "3039911234"
POLL_SECONDS = Float(ENV["FAXAGE_POLL_SECONDS"] || "10")

def faxage(operation, fields = {})
  uri = URI("#{BASE}/httpsfax.php")
  answer = Net::HTTP.post_form(uri, LOGIN.merge("operation" => operation).merge(fields))
  body = answer.body.b
  abort "FAXAGE answered #{body}" if body.start_with?("ERR")
  body
end

def describe(what, file)
  "#{what} #{file.bytesize} bytes sha256 #{Digest::SHA256.hexdigest(file)}"
end

answer = faxage("sendfax", "faxno" => FAXNO, "recipname" => "Front desk",
                           "faxfilenames[]" => "hello.txt",
                           "faxfiledata[]" => Base64.strict_encode64("Hello from Ruby\n"))
jobid = answer.delete_prefix("JOBID: ").strip
puts "sent job #{jobid}"

fields = nil
1000.times do
  fields = faxage("status", "jobid" => jobid).chomp.split("\t")
  break if fields[4] != "pending"

  sleep POLL_SECONDS
end
puts "status #{jobid} #{fields[4]} #{fields[5]}"
puts describe("tiff", faxage("dlstatus", "jobid" => jobid))

recvid, _recvdate, cid, dnis = faxage("listfax").chomp.split("\n").last.split("\t")
puts "inbound #{recvid} from #{cid} to #{dnis}"
puts describe("fax", faxage("getfax", "faxid" => recvid))
