-- An object whose methods share private state through upvalues.
local function account(balance)
  local self = {}
  function self.deposit(v) balance = balance + v end
  function self.withdraw(v)
    if v > balance then return nil, "insufficient funds" end
    balance = balance - v
    return balance
  end
  function self.balance() return balance end
  return self
end
local acc = account(100)
acc.deposit(50)
print(acc.balance(), acc.withdraw(30), acc.withdraw(500))
